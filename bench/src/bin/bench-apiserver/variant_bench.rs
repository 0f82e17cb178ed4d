//! One admission variant under measurement: its own control plane (and
//! webhook), a namespace, a client, and what its measured creates have
//! added up to, batch by batch.

use std::time::Duration;

use hourglass_bench::admission_variant::{AdmissionVariant, performer_resource};
use hourglass_bench::create_load::create_all;
use hourglass_bench::examples::{numbered_name, renamed};
use hourglass_bench::latency::LatencySummary;
use hourglass_bench::process_cpu::{cpu_time, find_pid_with_argument};
use hourglass_bench::webhook_metrics::ReviewTime;
use hourglass_e2e::{ControlPlane, WebhookServer};
use serde_json::Value;

use crate::report::Measured;

/// One variant's control plane, namespace and client, and what its
/// measured creates have added up to.
pub struct VariantBench {
    variant: AdmissionVariant,
    control_plane: ControlPlane,
    webhook: Option<WebhookServer>,
    namespace: String,
    client: kube::Client,
    latencies: Vec<Duration>,
    wall: Duration,
    apiserver_cpu: Option<Duration>,
    webhook_cpu: Option<Duration>,
    reviews: Option<ReviewTime>,
}

impl VariantBench {
    pub fn prepare(
        variant: AdmissionVariant,
        runtime: &tokio::runtime::Runtime,
        template: &Value,
        executor: &Value,
        warmup: usize,
        concurrency: usize,
    ) -> Result<Self, String> {
        let control_plane = ControlPlane::start().map_err(|e| e.to_string())?;
        let webhook = variant.set_up(&control_plane)?;
        // A plain namespace: the control plane and all in it go at the end.
        let namespace = format!("bench-{}", variant.name());
        control_plane
            .run_kubectl(&["create", "namespace", &namespace], None)
            .map_err(|e| e.to_string())?;
        // The executor the example names, so the webhook's lookup finds it
        // as it would in a real cluster.
        control_plane
            .run_kubectl(
                &["create", "-f", "-"],
                Some(
                    renamed(executor, "main-executor", &namespace)
                        .to_string()
                        .as_bytes(),
                ),
            )
            .map_err(|e| e.to_string())?;
        let client = runtime.block_on(async {
            let client = control_plane
                .kube_client()
                .await
                .map_err(|e| e.to_string())?;
            variant
                .check_verdict(&client, &performer_resource(), template, &namespace)
                .await?;
            let warm = numbered(template, "warmup", 0, warmup, &namespace);
            create_all(&client, &performer_resource(), warm, concurrency).await?;
            Ok::<_, String>(client)
        })?;
        Ok(VariantBench {
            variant,
            control_plane,
            webhook,
            namespace,
            client,
            latencies: Vec::new(),
            wall: Duration::ZERO,
            apiserver_cpu: Some(Duration::ZERO),
            webhook_cpu: Some(Duration::ZERO),
            reviews: Some(ReviewTime::default()),
        })
    }

    /// Creates performers `first + 1 ..= first + n` and adds up their cost.
    pub fn measure_batch(
        &mut self,
        runtime: &tokio::runtime::Runtime,
        template: &Value,
        first: usize,
        n: usize,
        concurrency: usize,
    ) -> Result<(), String> {
        let objects = numbered(template, "performer", first, n, &self.namespace);
        let apiserver_pid = self.control_plane.pids().apiserver;
        let webhook_pid = self.webhook.as_ref().and_then(webhook_pid);
        let apiserver_before = cpu_time(apiserver_pid);
        let webhook_before = webhook_pid.and_then(cpu_time);
        let reviews_before = self.webhook.as_ref().map(review_time);
        let run = runtime.block_on(create_all(
            &self.client,
            &performer_resource(),
            objects,
            concurrency,
        ))?;
        let spent = |before: Option<Duration>, after: Option<Duration>| {
            Some(after?.saturating_sub(before?))
        };
        add(
            &mut self.apiserver_cpu,
            spent(apiserver_before, cpu_time(apiserver_pid)),
        );
        add(
            &mut self.webhook_cpu,
            spent(webhook_before, webhook_pid.and_then(cpu_time)),
        );
        self.reviews = match (
            self.reviews,
            self.webhook.as_ref().map(review_time),
            reviews_before,
        ) {
            (Some(total), Some(after), Some(before)) => {
                let batch = after.since(before);
                Some(ReviewTime {
                    count: total.count + batch.count,
                    total: total.total + batch.total,
                })
            }
            _ => None,
        };
        self.latencies.extend(run.latencies);
        self.wall += run.wall;
        Ok(())
    }

    /// Checks every create was stored, stops the control plane, summarises.
    pub fn finish(self, expected: usize) -> Result<Measured, String> {
        let stored = self
            .control_plane
            .run_kubectl(
                &["get", "performers", "-n", &self.namespace, "-o", "name"],
                None,
            )
            .map_err(|e| e.to_string())?
            .lines()
            .count();
        if stored != expected {
            return Err(format!(
                "{stored} performers stored in {}, expected {expected}",
                self.namespace
            ));
        }
        let summary =
            LatencySummary::of(&self.latencies, self.wall).ok_or("no create was measured")?;
        let per_create = |total: Option<Duration>| {
            total.map(|t| t / u32::try_from(summary.count).unwrap_or(u32::MAX))
        };
        let measured = Measured {
            variant: self.variant,
            summary,
            apiserver_cpu: per_create(self.apiserver_cpu),
            webhook_cpu: if self.webhook.is_some() {
                per_create(self.webhook_cpu)
            } else {
                None
            },
            webhook_reviews: if self.webhook.is_some() {
                self.reviews
            } else {
                None
            },
        };
        drop(self.webhook);
        self.control_plane.stop();
        Ok(measured)
    }
}

fn add(total: &mut Option<Duration>, more: Option<Duration>) {
    *total = total.zip(more).map(|(a, b)| a + b);
}

fn webhook_pid(webhook: &WebhookServer) -> Option<u32> {
    find_pid_with_argument(&format!("--tls-listen=127.0.0.1:{}", webhook.tls_port()))
}

fn review_time(webhook: &WebhookServer) -> ReviewTime {
    match webhook.admin_get("/metrics") {
        Ok((200, text)) => ReviewTime::parse(&text),
        _ => ReviewTime::default(),
    }
}

/// `<prefix>-<first + 1>` to `<prefix>-<first + n>`, copies of `template`.
fn numbered(template: &Value, prefix: &str, first: usize, n: usize, namespace: &str) -> Vec<Value> {
    (first + 1..=first + n)
        .map(|i| renamed(template, &numbered_name(prefix, i), namespace))
        .collect()
}
