//! Exact output of the tables, `status` and JSON (snapshot tests).

mod common;

use common::*;
use kubectl_hourglass::commands::status::{Layout, render};
use kubectl_hourglass::options::Format;
use kubectl_hourglass::pods::PodIndex;
use kubectl_hourglass::render::columns;
use kubectl_hourglass::render::table::{self, TableStyle};
use kubectl_hourglass::view::{ExecutorRow, PerformerRow, StatusView};
use serde_json::json;

fn text(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    f(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn performers_table() {
    let performers = [
        running(
            performer(
                "complex-performer",
                "main",
                "myavs/performer:v2.0.0",
                2 * 86400 + 3 * 3600,
            ),
            1,
        ),
        performer("minimal", "", "myavs/performer:v1", 312),
    ];
    // The complex performer's pod runs; the minimal one has none.
    let pods = PodIndex::new([ready_pod(&performers[0])]);
    let rows: Vec<PerformerRow> = performers
        .iter()
        .map(|p| PerformerRow::from(p, Some(&pods), now()))
        .collect();
    let expected = "\
NAME                AVS                                          IMAGE                    VERSION   PHASE     READY   REASON   ENDPOINT                                                 AGE
complex-performer   0x1234567890abcdef1234567890abcdef12345678   myavs/performer:v2.0.0   v2.0.0    Running   true             performer-complex-performer.avs.svc.cluster.local:9090   2d3h
minimal             0x1234567890abcdef1234567890abcdef12345678   myavs/performer:v1       v1                  false   NoPod                                                             5m12s
";
    assert_eq!(
        text(|w| table::write_rows(w, columns::PERFORMERS, &rows, None, &TableStyle::default())),
        expected
    );
}

#[test]
fn executors_table_wide_with_namespace() {
    let executors = [executor("main", 2, 1, "Running", 3 * 3600 + 240)];
    let rows: Vec<ExecutorRow> = executors
        .iter()
        .map(|e| ExecutorRow::from(e, now()))
        .collect();
    let expected = "\
NAMESPACE   NAME   IMAGE                       REPLICAS   READY   PHASE     AGE    AGGREGATOR                    CHAINS        PERFORMER-NAMESPACE
avs         main   hourglass/executor:v1.4.0   2          1       Running   3h4m   aggregator.example.com:9090   ethereum(1)
";
    assert_eq!(
        text(|w| {
            let style = TableStyle {
                wide: true,
                all_namespaces: true,
                ..TableStyle::default()
            };
            table::write_rows(w, columns::EXECUTORS, &rows, None, &style)
        }),
        expected
    );
}

#[test]
fn status_table_lists_what_is_not_healthy() {
    let mut failing = performer("beta", "main", "myavs/b:v1", 600);
    failing.status = Some(hourglass_shared::performer::PerformerStatus {
        phase: Some("Pending".to_string()),
        conditions: Some(vec![
            condition(
                "Available",
                "False",
                "ImagePullFailed",
                "Back-off pulling image myavs/b:v1",
                1,
            ),
            condition("Progressing", "False", "Scheduled", "", 1),
        ]),
        ..Default::default()
    });
    let alpha = running(performer("alpha", "main", "myavs/a:v1", 90), 1);
    let pulling = pod(
        &failing,
        "myavs/b:v1",
        json!({"phase": "Pending", "containerStatuses": [{"name": "performer", "image": "myavs/b:v1",
            "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"myavs/b:v1\""}}}]}),
    );
    let pods = PodIndex::new([ready_pod(&alpha), pulling]);
    let view = StatusView::build(
        &[executor("main", 2, 2, "Running", 86400 * 3)],
        &[alpha, failing],
        Some(&pods),
        now(),
    );
    assert!(!view.healthy);
    let expected = "\
EXECUTOR   PHASE     READY   LAST CONFIG UPDATE   AGE
main       Running   2/2     5m12s                3d

PERFORMER   EXECUTOR   PHASE     READY   REASON             IMAGE        VERSION   ENDPOINT                                     AGE
alpha       main       Running   true                       myavs/a:v1   v1        performer-alpha.avs.svc.cluster.local:9090   90s
beta        main       Pending   false   ImagePullBackOff   myavs/b:v1   v1                                                     10m

Not healthy:
  performer/beta: pod performer-beta: ImagePullBackOff: Back-off pulling image \"myavs/b:v1\"
  performer/beta: Available=False (ImagePullFailed): Back-off pulling image myavs/b:v1
";
    assert_eq!(render(&view, &Layout::default()).unwrap(), expected);
}

#[test]
fn healthy_status_and_json() {
    let alpha = running(performer("alpha", "main", "myavs/a:v1", 60), 1);
    let pods = PodIndex::new([ready_pod(&alpha)]);
    let view = StatusView::build(
        &[executor("main", 1, 1, "Running", 60)],
        &[alpha],
        Some(&pods),
        now(),
    );
    assert!(view.healthy);
    let json = render(
        &view,
        &Layout {
            output: Some(Format::Json),
            ..Layout::default()
        },
    )
    .unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value,
        serde_json::json!({
            "healthy": true,
            "executors": [{
                "namespace": "avs", "name": "main", "phase": "Running",
                "readyReplicas": 1, "desiredReplicas": 1,
                "lastConfigUpdate": ago(312), "lastConfigUpdateAge": "5m12s",
                "age": "60s", "reconciled": true, "healthy": true, "problems": [], "conditions": [],
                "labels": {}
            }],
            "performers": [{
                "namespace": "avs", "name": "alpha", "executor": "main", "phase": "Running",
                "ready": true, "reason": "", "image": "myavs/a:v1", "version": "v1",
                "endpoint": "performer-alpha.avs.svc.cluster.local:9090", "age": "60s",
                "healthy": true, "problems": [], "conditions": [],
                "labels": {}
            }]
        })
    );
    // kubectl's JSON indentation.
    assert!(json.starts_with("{\n    \"healthy\": true,"), "{json}");
}

#[test]
fn degraded_and_unreported_are_unhealthy() {
    let mut degraded = running(performer("d", "main", "x/y:v1", 60), 1);
    degraded
        .status
        .as_mut()
        .unwrap()
        .conditions
        .as_mut()
        .unwrap()
        .push(condition(
            "Degraded",
            "True",
            "ServiceReady",
            "service has no endpoints",
            1,
        ));
    let pods = PodIndex::new([ready_pod(&degraded)]);
    let fresh = performer("fresh", "", "x/y:v1", 5);
    let view = StatusView::build(&[], &[degraded, fresh.clone()], Some(&pods), now());
    assert!(!view.healthy);
    assert_eq!(
        view.performers[0].problems,
        ["Degraded=True (ServiceReady): service has no endpoints"]
    );
    assert_eq!(
        view.performers[1].problems,
        ["no pod performer-fresh (is the Hourglass operator running?)"]
    );
    // Without pods to look at, only the operator's report counts.
    let blind = StatusView::build(&[], &[fresh], None, now());
    assert_eq!(
        blind.performers[0].problems,
        [
            "no phase reported yet (is the Hourglass operator running?)",
            "not ready"
        ]
    );
}

// The upstream operator reconciles performers only: an executor nobody
// writes status for is shown, not judged.
#[test]
fn an_executor_without_status_is_shown_not_judged() {
    let mut quiet = executor("main", 1, 0, "", 60);
    quiet.status = None;
    let alpha = running(performer("alpha", "main", "myavs/a:v1", 60), 1);
    let pods = PodIndex::new([ready_pod(&alpha)]);
    let view = StatusView::build(&[quiet], &[alpha], Some(&pods), now());
    assert!(view.healthy, "{view:?}");
    assert!(!view.executors[0].reconciled);
    let table = render(&view, &Layout::default()).unwrap();
    assert!(table.contains("main       "), "{table}");
    assert!(
        table.ends_with(
            "Executors without status are shown, not judged: the Hourglass operator has no executor controller.\n"
        ),
        "{table}"
    );
}
