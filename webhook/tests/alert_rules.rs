//! The PrometheusRule in `manifests/monitoring/` alerts on metrics this
//! webhook really exports, under the names it exports them.

use hourglass_webhook::Metrics;

const RULES: &str = include_str!("../../manifests/monitoring/prometheusrule.yaml");

#[test]
fn every_metric_an_alert_uses_is_exported() {
    let rules: serde_yaml_ng::Value = serde_yaml_ng::from_str(RULES).unwrap();
    let exported = Metrics::new().encode();
    let mut alerts = 0;
    for group in rules["spec"]["groups"].as_sequence().unwrap() {
        for rule in group["rules"].as_sequence().unwrap() {
            alerts += 1;
            let expr = rule["expr"].as_str().unwrap();
            let metrics: Vec<&str> = expr
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|word| word.starts_with("hourglass_"))
                .collect();
            assert!(!metrics.is_empty(), "{expr}");
            for metric in metrics {
                // Counters are exposed as `<name>_total`; the TYPE line names the family.
                let family = metric.strip_suffix("_total").unwrap_or(metric);
                assert!(
                    exported.contains(&format!("# TYPE {family} ")),
                    "{metric} (in {expr:?}) is not exported:\n{exported}"
                );
            }
            assert!(rule["labels"]["severity"].as_str().is_some());
        }
    }
    assert_eq!(alerts, 3);
}
