//! A CycloneDX 1.5 SBOM (JSON) of one binary: every crate compiled into it,
//! with its version, licence, package URL and the SHA-256 of the `.crate`
//! from `Cargo.lock`, and who depends on whom.
//!
//! The crates come from `cargo tree -p <package> -e normal --target <triple>`:
//! the same feature resolution as `cargo build -p <package>` for that target,
//! without dev-dependencies (tests) or build-dependencies (build scripts'
//! tools, whose code does not end up in the binary). Proc-macros are listed:
//! they write code that does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::cargo_build::run_cargo;
use crate::cargo_lock::{self, Lock};
use crate::error::{ReleaseError, Result};
use crate::image::assemble::rfc3339;
use crate::project::workspace_root;

/// One crate in the binary's dependency tree.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Crate {
    pub name: String,
    pub version: String,
    /// cargo's licence field, `None` when the crate declares none.
    pub license: Option<String>,
}

impl Crate {
    /// `pkg:cargo/<name>@<version>`, the package URL of a Rust crate.
    pub fn purl(&self) -> String {
        format!("pkg:cargo/{}@{}", self.name, self.version)
    }
}

/// The tree: the root crate, every crate, and each crate's direct dependencies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrateGraph {
    pub root: Crate,
    pub edges: BTreeMap<Crate, BTreeSet<Crate>>,
}

/// Runs `cargo tree` for `package` on `target` in the workspace.
pub fn crate_graph(package: &str, target: &str) -> Result<CrateGraph> {
    let args = [
        "tree",
        "--locked",
        "--package",
        package,
        "--edges",
        "normal",
        "--target",
        target,
        "--prefix",
        "depth",
        "--format",
        "{p}|{l}",
    ];
    let stdout = run_cargo(&args)?;
    parse_tree(&String::from_utf8_lossy(&stdout))
}

/// Parses `cargo tree --prefix depth --format '{p}|{l}'`:
/// `2tokio v1.48.0|MIT`, `0hourglass-webhook v0.1.0 (/path)|Apache-2.0`,
/// a trailing ` (*)` on crates already shown.
fn parse_tree(text: &str) -> Result<CrateGraph> {
    let mut stack: Vec<Crate> = Vec::new();
    let mut root: Option<Crate> = None;
    let mut edges: BTreeMap<Crate, BTreeSet<Crate>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let malformed = || ReleaseError::Invalid(format!("unexpected `cargo tree` line: {line}"));
        let line = line.trim_end().trim_end_matches(" (*)");
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        let depth: usize = line[..digits].parse().map_err(|_| malformed())?;
        let (package, license) = line[digits..].split_once('|').ok_or_else(malformed)?;
        let mut words = package.split_whitespace();
        let name = words.next().ok_or_else(malformed)?;
        let version = words
            .next()
            .and_then(|v| v.strip_prefix('v'))
            .ok_or_else(malformed)?;
        let krate = Crate {
            name: name.to_string(),
            version: version.to_string(),
            license: Some(license.trim().to_string()).filter(|l| !l.is_empty()),
        };
        if depth > stack.len() {
            return Err(malformed());
        }
        stack.truncate(depth);
        if let Some(parent) = stack.last() {
            edges
                .entry(parent.clone())
                .or_default()
                .insert(krate.clone());
        }
        edges.entry(krate.clone()).or_default();
        if depth == 0 && root.is_none() {
            root = Some(krate.clone());
        }
        stack.push(krate);
    }
    let root =
        root.ok_or_else(|| ReleaseError::Invalid("`cargo tree` printed no crates".into()))?;
    Ok(CrateGraph { root, edges })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    bom_format: &'static str,
    spec_version: &'static str,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
}

#[derive(Serialize)]
struct Metadata {
    timestamp: String,
    tools: Tools,
    component: Component,
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Tool>,
}

#[derive(Serialize)]
struct Tool {
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    name: String,
    version: String,
    purl: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<License>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
}

#[derive(Serialize)]
struct License {
    expression: String,
}

#[derive(Serialize)]
struct Hash {
    alg: &'static str,
    content: String,
}

#[derive(Serialize)]
struct Property {
    name: &'static str,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    depends_on: Vec<String>,
}

/// The SBOM document of `graph`, built for `target`, dated `source_date_epoch`.
pub fn cyclonedx(
    graph: &CrateGraph,
    lock: &Lock,
    target: &str,
    source_date_epoch: u64,
) -> Result<Vec<u8>> {
    let component = |krate: &Crate, kind: &'static str| {
        let locked = lock.get(&(krate.name.clone(), krate.version.clone()));
        Component {
            kind,
            bom_ref: krate.purl(),
            name: krate.name.clone(),
            version: krate.version.clone(),
            purl: krate.purl(),
            licenses: krate
                .license
                .iter()
                // Old manifests write `MIT/Apache-2.0`; SPDX says `OR`.
                .map(|l| License {
                    expression: l.replace('/', " OR "),
                })
                .collect(),
            hashes: locked
                .and_then(|p| p.checksum.clone())
                .map(|content| Hash {
                    alg: "SHA-256",
                    content,
                })
                .into_iter()
                .collect(),
        }
    };
    let bom = Bom {
        bom_format: "CycloneDX",
        spec_version: "1.5",
        version: 1,
        metadata: Metadata {
            timestamp: rfc3339(source_date_epoch)?,
            tools: Tools {
                components: vec![Tool {
                    kind: "application",
                    name: "hourglass-release",
                    version: env!("CARGO_PKG_VERSION"),
                }],
            },
            component: component(&graph.root, "application"),
            properties: vec![Property {
                name: "hourglass:rust-target",
                value: target.to_string(),
            }],
        },
        components: graph
            .edges
            .keys()
            .filter(|k| **k != graph.root)
            .map(|k| component(k, "library"))
            .collect(),
        dependencies: graph
            .edges
            .iter()
            .map(|(krate, deps)| Dependency {
                reference: krate.purl(),
                depends_on: deps.iter().map(Crate::purl).collect(),
            })
            .collect(),
    };
    serde_json::to_vec_pretty(&bom).map_err(|e| ReleaseError::Invalid(format!("SBOM JSON: {e}")))
}

/// Writes the SBOM of `package` built for `target` to `path`.
pub fn write(package: &str, target: &str, source_date_epoch: u64, path: &Path) -> Result<()> {
    let graph = crate_graph(package, target)?;
    let lock = cargo_lock::read(&workspace_root().join("Cargo.lock"))?;
    let bytes = cyclonedx(&graph, &lock, target, source_date_epoch)?;
    std::fs::write(path, bytes).map_err(|e| ReleaseError::io("write", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREE: &str = "\
0app v0.1.0 (/w/app)|Apache-2.0
1serde v1.0.0|MIT OR Apache-2.0
2serde_derive v1.0.0 (proc-macro)|MIT/Apache-2.0
1tokio v1.0.0|MIT
2serde v1.0.0|MIT OR Apache-2.0 (*)
";

    #[test]
    fn tree_lines_become_crates_and_edges() {
        let graph = parse_tree(TREE).unwrap();
        assert_eq!(graph.root.name, "app");
        assert_eq!(graph.edges.len(), 4);
        let tokio = graph.edges.keys().find(|k| k.name == "tokio").unwrap();
        let tokio_deps: Vec<&str> = graph.edges[tokio].iter().map(|c| c.name.as_str()).collect();
        assert_eq!(tokio_deps, ["serde"]);
        let root_deps: Vec<&str> = graph.edges[&graph.root]
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(root_deps, ["serde", "tokio"]);
    }

    #[test]
    fn the_document_names_hashes_and_spdx_licences() {
        let graph = parse_tree(TREE).unwrap();
        let lock = cargo_lock::parse(
            "[[package]]\nname = \"tokio\"\nversion = \"1.0.0\"\nsource = \"registry+x\"\nchecksum = \"ab\"\n",
        );
        let bytes = cyclonedx(&graph, &lock, "x86_64-unknown-linux-gnu", 0).unwrap();
        let bom: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(bom["bomFormat"], "CycloneDX");
        assert_eq!(bom["metadata"]["component"]["purl"], "pkg:cargo/app@0.1.0");
        let components = bom["components"].as_array().unwrap();
        assert_eq!(components.len(), 3);
        let tokio = components.iter().find(|c| c["name"] == "tokio").unwrap();
        assert_eq!(tokio["hashes"][0]["content"], "ab");
        let derive = components
            .iter()
            .find(|c| c["name"] == "serde_derive")
            .unwrap();
        assert_eq!(derive["licenses"][0]["expression"], "MIT OR Apache-2.0");
        assert_eq!(bom["dependencies"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn a_deeper_line_without_a_parent_is_refused() {
        assert!(parse_tree("0app v0.1.0|MIT\n2lost v1.0.0|MIT\n").is_err());
    }
}
