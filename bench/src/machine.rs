//! The machine a benchmark ran on, as every command prints it: its cores
//! and CPU model, and the load average (the machine is shared, so a figure
//! means little without it).

/// "machine: 2 cores, <model>" from /proc/cpuinfo.
pub fn machine_line() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    format!("machine: {cores} cores, {model}")
}

/// The 1, 5 and 15 minute load averages, e.g. "1.52 1.20 0.98".
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_cores_and_three_averages() {
        assert!(machine_line().starts_with("machine: "));
        let load = load_average();
        assert!(load == "unknown" || load.split(' ').count() == 3, "{load}");
    }
}
