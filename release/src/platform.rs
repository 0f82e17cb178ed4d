//! The platforms a plugin release is built for, named as krew names them
//! (`os`/`arch` selector labels, Go's GOOS/GOARCH words) and as Rust names
//! them (target triples).

use std::fmt;

/// One release platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    /// krew's `os` label: `linux`, `darwin`, `windows`.
    pub os: &'static str,
    /// krew's `arch` label: `amd64`, `arm64`.
    pub arch: &'static str,
    /// The Rust target the release binary is built for.
    pub rust_target: &'static str,
}

/// Every platform the krew manifest lists, in its order.
pub const RELEASE_PLATFORMS: [Platform; 5] = [
    Platform {
        os: "linux",
        arch: "amd64",
        rust_target: "x86_64-unknown-linux-musl",
    },
    Platform {
        os: "linux",
        arch: "arm64",
        rust_target: "aarch64-unknown-linux-musl",
    },
    Platform {
        os: "darwin",
        arch: "amd64",
        rust_target: "x86_64-apple-darwin",
    },
    Platform {
        os: "darwin",
        arch: "arm64",
        rust_target: "aarch64-apple-darwin",
    },
    Platform {
        os: "windows",
        arch: "amd64",
        rust_target: "x86_64-pc-windows-gnu",
    },
];

impl Platform {
    /// The release platform with krew's `os` and `arch`.
    pub fn find(os: &str, arch: &str) -> Option<Platform> {
        RELEASE_PLATFORMS
            .into_iter()
            .find(|p| p.os == os && p.arch == arch)
    }

    /// The release platform whose Rust target is `triple`, or whose OS and
    /// architecture it shares (e.g. the host's `x86_64-unknown-linux-gnu`
    /// is a `linux/amd64` build too).
    pub fn for_rust_target(triple: &str) -> Option<Platform> {
        let arch = match triple.split('-').next()? {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            _ => return None,
        };
        let os = if triple.contains("-linux") {
            "linux"
        } else if triple.contains("-apple-darwin") {
            "darwin"
        } else if triple.contains("-windows") {
            "windows"
        } else {
            return None;
        };
        Platform::find(os, arch)
    }

    /// `.exe` on Windows, nothing elsewhere: how a binary is named there.
    pub fn executable_suffix(&self) -> &'static str {
        if self.os == "windows" { ".exe" } else { "" }
    }

    /// `name` as an executable file name on this platform.
    pub fn executable(&self, name: &str) -> String {
        format!("{name}{}", self.executable_suffix())
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_style_triples_map_to_release_platforms() {
        let linux = Platform::for_rust_target("x86_64-unknown-linux-gnu").unwrap();
        assert_eq!(linux.to_string(), "linux/amd64");
        let mac = Platform::for_rust_target("aarch64-apple-darwin").unwrap();
        assert_eq!(mac.to_string(), "darwin/arm64");
        let windows = Platform::for_rust_target("x86_64-pc-windows-msvc").unwrap();
        assert_eq!(
            windows.executable("kubectl-hourglass"),
            "kubectl-hourglass.exe"
        );
        assert_eq!(
            Platform::for_rust_target("riscv64gc-unknown-linux-gnu"),
            None
        );
    }

    #[test]
    fn every_release_target_maps_back_to_its_platform() {
        for platform in RELEASE_PLATFORMS {
            assert_eq!(
                Platform::for_rust_target(platform.rust_target),
                Some(platform)
            );
        }
    }
}
