//! The built-in renewal as a pure decision: given what is stored (the CA
//! Secret, the serving Secret, both webhook configurations' caBundle) and
//! what the webhook replicas serve, the one write to make next, or how long
//! to wait. `hourglass-webhook renew-certificates` does the reading and the
//! writing; keeping the decision here makes every step testable without a
//! cluster and lets the loop stay a loop.
//!
//! One write per decision, then everything is read again: each write is a
//! compare-and-swap on the object's resourceVersion, so two renewers (a
//! rollout's surge) never both win, and a renewer that dies between two
//! writes resumes from what is stored.
//!
//! The schedule: the serving certificate is renewed when a third of its
//! configured validity is left (two thirds into its life). The CA is rotated
//! when a third of its configured validity is left, in steps that never
//! leave a replica untrusted:
//! 1. a new CA is generated and stored as `next`; the caBundle becomes
//!    signing CA + next;
//! 2. once both configurations carry it, that moment is recorded, and after
//!    `trust_propagation` (the apiservers' informers have it) the next CA
//!    starts signing; the old one stays in the bundle as `previous`;
//! 3. the serving certificate is re-issued from the new CA (the replicas
//!    reload it at their own pace; both CAs are trusted meanwhile);
//! 4. when every replica serves a certificate from the new CA, `previous`
//!    leaves the bundle.

use std::time::{Duration, SystemTime};

use crate::certificate_expiry;
use crate::serving::renew_serving_at;
use crate::{CertError, CertificateAuthority, IssuedCert, ServingCertSpec, ca_signed};

/// The CA Secret's contents (keys `tls.crt`/`tls.key`, `next.crt`/`next.key`,
/// `previous.crt`, `next.trusted-since`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaMaterial {
    /// The CA that signs serving certificates.
    pub signing: Option<PemPair>,
    /// A CA already trusted in the bundle, not yet signing.
    pub next: Option<PemPair>,
    /// When both configurations were first seen trusting `next`.
    pub next_trusted_since: Option<SystemTime>,
    /// A retired CA kept in the bundle until every replica serves a
    /// certificate from `signing`.
    pub previous: Option<String>,
}

/// A certificate and its key, PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct PemPair {
    pub cert: String,
    pub key: String,
}

impl std::fmt::Debug for PemPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PemPair")
            .field("cert", &self.cert)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl CaMaterial {
    /// The caBundle these CAs call for: signing first (so a reader taking
    /// the first certificate gets the one that signs), then next, then
    /// previous.
    pub fn bundle(&self) -> String {
        let mut pems: Vec<&str> = Vec::new();
        pems.extend(self.signing.as_ref().map(|p| p.cert.as_str()));
        pems.extend(self.next.as_ref().map(|p| p.cert.as_str()));
        pems.extend(self.previous.as_deref());
        pems.iter()
            .map(|pem| pem.trim_end())
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    }
}

/// What the renewer reads before each decision.
#[derive(Clone, Debug)]
pub struct Observed {
    pub ca: CaMaterial,
    /// The serving Secret's `tls.crt`/`tls.key`, when both are there.
    pub serving: Option<IssuedCert>,
    /// The serving Secret's `ca.crt`.
    pub serving_ca: Option<String>,
    /// The caBundle of every webhook of both configurations (PEM).
    pub bundles: Vec<String>,
    /// For each webhook replica found, whether it serves a certificate
    /// signed by the signing CA.
    pub replicas_on_signing_ca: Vec<bool>,
}

/// What the renewer is configured with.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Validity of each serving certificate issued; renewed with a third left.
    pub serving_validity: Duration,
    /// Validity of each CA generated; rotated with a third left.
    pub ca_validity: Duration,
    pub ca_common_name: String,
    /// Names for a serving certificate when there is none to renew.
    pub serving_spec: ServingCertSpec,
    /// How long a new caBundle is given to reach every apiserver before a
    /// certificate that needs it is served.
    pub trust_propagation: Duration,
}

/// The next write, with the reason to log.
#[derive(Clone, Debug)]
pub enum Step {
    /// Replace the CA Secret's contents.
    WriteCa { ca: CaMaterial, reason: String },
    /// Set this caBundle on every webhook of both configurations.
    WriteBundles { bundle: String, reason: String },
    /// Replace the serving Secret's contents.
    WriteServing {
        serving: IssuedCert,
        ca_bundle: String,
        reason: String,
    },
    /// Nothing to write; look again after `for_at_most` (earlier is fine).
    Wait { for_at_most: Duration, why: String },
}

/// A third of `validity`: the margin at which a certificate is replaced.
fn margin(validity: Duration) -> Duration {
    validity / 3
}

/// Time left until `cert_pem` expires (zero when expired or unreadable).
fn remaining(cert_pem: &str, now: SystemTime) -> Duration {
    certificate_expiry(cert_pem)
        .ok()
        .and_then(|expiry| expiry.duration_since(now).ok())
        .unwrap_or(Duration::ZERO)
}

fn usable_ca(pair: &PemPair) -> Option<CertificateAuthority> {
    CertificateAuthority::from_pem(&pair.cert, &pair.key).ok()
}

/// The one next step. Errors only when a key or certificate cannot be made.
pub fn decide(observed: &Observed, policy: &Policy, now: SystemTime) -> Result<Step, CertError> {
    let current = &observed.ca;
    // No usable signing CA: make one. Anything staged belonged to a CA
    // that is gone, so it goes too.
    let Some(signing) = current.signing.as_ref().and_then(usable_ca) else {
        let ca =
            CertificateAuthority::generate_at(&policy.ca_common_name, policy.ca_validity, now)?;
        return Ok(Step::WriteCa {
            ca: CaMaterial {
                signing: Some(PemPair {
                    cert: ca.cert_pem().to_string(),
                    key: ca.key_pem().to_string(),
                }),
                ..CaMaterial::default()
            },
            reason: "the CA Secret holds no usable CA: generated one".to_string(),
        });
    };
    let bundle = current.bundle();
    // Trust first: the bundle must hold every CA a replica may be serving
    // from before anything else changes.
    if observed
        .bundles
        .iter()
        .any(|b| b.trim_end() != bundle.trim_end())
        || observed.bundles.is_empty()
    {
        return Ok(Step::WriteBundles {
            bundle,
            reason: "the webhook configurations' caBundle differs from the CAs in the Secret"
                .to_string(),
        });
    }
    // A staged CA: record when it became trusted, then promote it.
    if let Some(next) = &current.next {
        match current.next_trusted_since {
            None => {
                return Ok(Step::WriteCa {
                    ca: CaMaterial {
                        next_trusted_since: Some(now),
                        ..current.clone()
                    },
                    reason: "both configurations trust the next CA".to_string(),
                });
            }
            Some(since) => {
                let ready_at = since + policy.trust_propagation;
                if now >= ready_at {
                    return Ok(Step::WriteCa {
                        ca: CaMaterial {
                            signing: Some(next.clone()),
                            next: None,
                            next_trusted_since: None,
                            previous: current.signing.as_ref().map(|p| p.cert.clone()),
                        },
                        reason: "the next CA starts signing; the old one stays trusted".to_string(),
                    });
                }
            }
        }
    }
    // The serving certificate: from the signing CA, with time left.
    let serving_ok = observed.serving.as_ref().filter(|s| {
        ca_signed(signing.cert_pem(), &s.cert_pem).unwrap_or(false)
            && remaining(&s.cert_pem, now) > margin(policy.serving_validity)
    });
    match serving_ok {
        None => {
            let reason = match &observed.serving {
                None => "the serving Secret holds no certificate",
                Some(s) if !ca_signed(signing.cert_pem(), &s.cert_pem).unwrap_or(false) => {
                    "the serving certificate is not from the signing CA"
                }
                Some(_) => "the serving certificate has a third of its validity left",
            };
            let serving = match &observed.serving {
                // Same names as before; a fresh key every time.
                Some(existing) => {
                    renew_serving_at(&signing, existing, policy.serving_validity, now)
                        .or_else(|_| signing.issue_serving_at(&serving_spec(policy), now))?
                }
                None => signing.issue_serving_at(&serving_spec(policy), now)?,
            };
            return Ok(Step::WriteServing {
                serving,
                ca_bundle: bundle,
                reason: format!("{reason}: issued a new one"),
            });
        }
        Some(serving)
            if observed.serving_ca.as_deref().map(str::trim_end) != Some(bundle.trim_end()) =>
        {
            return Ok(Step::WriteServing {
                serving: serving.clone(),
                ca_bundle: bundle,
                reason: "ca.crt of the serving Secret differs from the caBundle".to_string(),
            });
        }
        Some(_) => {}
    }
    // A retired CA leaves the bundle once no replica needs it.
    if current.previous.is_some() {
        let replicas = &observed.replicas_on_signing_ca;
        if !replicas.is_empty() && replicas.iter().all(|on_new| *on_new) {
            return Ok(Step::WriteCa {
                ca: CaMaterial {
                    previous: None,
                    ..current.clone()
                },
                reason: format!(
                    "all {} webhook replicas serve a certificate from the new CA: the old CA leaves the bundle",
                    replicas.len()
                ),
            });
        }
        let waiting = replicas.iter().filter(|on_new| !**on_new).count();
        return Ok(Step::Wait {
            for_at_most: Duration::from_secs(5)
                .min(policy.trust_propagation.max(Duration::from_secs(1))),
            why: if replicas.is_empty() {
                "no webhook replica found yet to confirm the new certificate".to_string()
            } else {
                format!(
                    "{waiting} of {} webhook replicas still serve a certificate from the old CA",
                    replicas.len()
                )
            },
        });
    }
    // Time to stage a new CA?
    let ca_left = remaining(signing.cert_pem(), now);
    if current.next.is_none() && ca_left <= margin(policy.ca_validity) {
        let next =
            CertificateAuthority::generate_at(&policy.ca_common_name, policy.ca_validity, now)?;
        return Ok(Step::WriteCa {
            ca: CaMaterial {
                next: Some(PemPair {
                    cert: next.cert_pem().to_string(),
                    key: next.key_pem().to_string(),
                }),
                next_trusted_since: None,
                ..current.clone()
            },
            reason: "the CA has a third of its validity left: staged the next CA".to_string(),
        });
    }
    // Idle until the earliest of: promotion, serving renewal, CA rotation.
    let serving_left = observed
        .serving
        .as_ref()
        .map(|s| remaining(&s.cert_pem, now))
        .unwrap_or_default();
    let mut wait = serving_left.saturating_sub(margin(policy.serving_validity));
    let mut why = "the serving certificate is renewed";
    if current.next.is_none() {
        let ca_wait = ca_left.saturating_sub(margin(policy.ca_validity));
        if ca_wait < wait {
            wait = ca_wait;
            why = "the CA is rotated";
        }
    }
    if let Some(since) = current.next_trusted_since {
        let promote = (since + policy.trust_propagation)
            .duration_since(now)
            .unwrap_or_default();
        if promote < wait {
            wait = promote;
            why = "the next CA starts signing";
        }
    }
    Ok(Step::Wait {
        for_at_most: wait,
        why: format!("{why} then"),
    })
}

fn serving_spec(policy: &Policy) -> ServingCertSpec {
    policy
        .serving_spec
        .clone()
        .with_validity(policy.serving_validity)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn policy() -> Policy {
        Policy {
            serving_validity: 3 * MINUTE,
            ca_validity: 30 * MINUTE,
            ca_common_name: "test-ca".to_string(),
            serving_spec: ServingCertSpec::for_service("hook", "ns"),
            trust_propagation: MINUTE,
        }
    }

    fn empty() -> Observed {
        Observed {
            ca: CaMaterial::default(),
            serving: None,
            serving_ca: None,
            bundles: vec![String::new(), String::new()],
            replicas_on_signing_ca: Vec::new(),
        }
    }

    /// Applies `step` to `observed` the way the renewer's writes would,
    /// with the replicas reloading at once.
    fn apply(observed: &mut Observed, step: &Step) {
        match step {
            Step::WriteCa { ca, .. } => observed.ca = ca.clone(),
            Step::WriteBundles { bundle, .. } => observed
                .bundles
                .iter_mut()
                .for_each(|b| *b = bundle.clone()),
            Step::WriteServing {
                serving, ca_bundle, ..
            } => {
                observed.serving = Some(serving.clone());
                observed.serving_ca = Some(ca_bundle.clone());
            }
            Step::Wait { .. } => {}
        }
    }

    /// Decides and applies until the renewer waits; returns the steps.
    fn settle(observed: &mut Observed, now: SystemTime) -> Vec<Step> {
        let mut steps = Vec::new();
        for _ in 0..10 {
            let step = decide(observed, &policy(), now).unwrap();
            if let Step::Wait { .. } = step {
                steps.push(step);
                return steps;
            }
            apply(observed, &step);
            steps.push(step);
        }
        panic!("no rest after 10 steps: {steps:#?}");
    }

    fn names(steps: &[Step]) -> Vec<&'static str> {
        steps
            .iter()
            .map(|s| match s {
                Step::WriteCa { .. } => "ca",
                Step::WriteBundles { .. } => "bundles",
                Step::WriteServing { .. } => "serving",
                Step::Wait { .. } => "wait",
            })
            .collect()
    }

    #[test]
    fn bootstrap_makes_a_ca_then_trusts_it_then_issues() {
        let mut observed = empty();
        let now = SystemTime::now();
        let steps = settle(&mut observed, now);
        assert_eq!(names(&steps), ["ca", "bundles", "serving", "wait"]);
        let ca = observed.ca.signing.clone().unwrap();
        let serving = observed.serving.clone().unwrap();
        assert!(ca_signed(&ca.cert, &serving.cert_pem).unwrap());
        assert_eq!(observed.bundles[0], observed.ca.bundle());
        assert!(
            serving
                .dns_names()
                .unwrap()
                .contains(&"hook.ns.svc".to_string())
        );
        // Idle until a third of the serving validity is left: 2 minutes.
        let Step::Wait { for_at_most, .. } = steps.last().unwrap() else {
            unreachable!()
        };
        assert!(
            *for_at_most <= 2 * MINUTE && *for_at_most > 2 * MINUTE - 10 * Duration::from_secs(1)
        );
    }

    #[test]
    fn serving_is_renewed_at_two_thirds_with_a_new_key() {
        let mut observed = empty();
        let now = SystemTime::now();
        settle(&mut observed, now);
        let first = observed.serving.clone().unwrap();
        assert_eq!(
            names(&settle(&mut observed, now + 100 * Duration::from_secs(1))),
            ["wait"]
        );
        let steps = settle(&mut observed, now + 2 * MINUTE + Duration::from_secs(1));
        assert_eq!(names(&steps), ["serving", "wait"]);
        let second = observed.serving.clone().unwrap();
        assert_ne!(second.key_pem, first.key_pem);
        assert_eq!(second.dns_names().unwrap(), first.dns_names().unwrap());
    }

    #[test]
    fn ca_rotation_keeps_the_old_ca_until_every_replica_moved() {
        let mut observed = empty();
        let start = SystemTime::now();
        settle(&mut observed, start);
        let old_ca = observed.ca.signing.clone().unwrap();
        // 20 of 30 minutes in: the next CA is staged and trusted alongside.
        let t = start + 20 * MINUTE + Duration::from_secs(1);
        let steps = settle(&mut observed, t);
        // (the serving certificate is renewed first: it also ran out; the
        // last write puts the new bundle in the serving Secret's ca.crt)
        assert_eq!(
            names(&steps),
            ["serving", "ca", "bundles", "ca", "serving", "wait"]
        );
        let next = observed.ca.next.clone().unwrap();
        assert_eq!(observed.ca.next_trusted_since, Some(t));
        assert!(observed.bundles[0].contains(next.cert.trim_end()));
        assert!(observed.bundles[0].contains(old_ca.cert.trim_end()));
        // Still signing with the old CA during the propagation time.
        assert!(ca_signed(&old_ca.cert, &observed.serving.as_ref().unwrap().cert_pem).unwrap());

        // After it: the next CA signs, a new serving certificate from it,
        // and the old CA stays while a replica still serves the old one.
        let t = t + MINUTE;
        observed.replicas_on_signing_ca = vec![true, false];
        let steps = settle(&mut observed, t);
        assert_eq!(names(&steps), ["ca", "bundles", "serving", "wait"]);
        assert_eq!(observed.ca.signing.as_ref(), Some(&next));
        assert_eq!(observed.ca.previous.as_deref(), Some(old_ca.cert.as_str()));
        assert!(ca_signed(&next.cert, &observed.serving.as_ref().unwrap().cert_pem).unwrap());
        assert!(observed.bundles[0].contains(old_ca.cert.trim_end()));
        let Step::Wait { why, .. } = steps.last().unwrap() else {
            unreachable!()
        };
        assert!(why.contains("1 of 2 webhook replicas"), "{why}");
        // No replica seen: still waiting.
        observed.replicas_on_signing_ca = vec![];
        assert_eq!(names(&settle(&mut observed, t)), ["wait"]);

        // Every replica moved: the old CA leaves the bundle and ca.crt.
        observed.replicas_on_signing_ca = vec![true, true];
        let steps = settle(&mut observed, t);
        assert_eq!(names(&steps), ["ca", "bundles", "serving", "wait"]);
        assert!(!observed.bundles[0].contains(old_ca.cert.trim_end()));
        assert_eq!(
            observed.serving_ca.as_deref(),
            Some(next.cert.trim_end())
                .map(|c| c.to_string() + "\n")
                .as_deref()
        );
    }

    #[test]
    fn a_bundle_changed_by_someone_else_is_put_back() {
        let mut observed = empty();
        let now = SystemTime::now();
        settle(&mut observed, now);
        observed.bundles[1] = "someone else's CA".to_string();
        let steps = settle(&mut observed, now);
        assert_eq!(names(&steps), ["bundles", "wait"]);
        assert_eq!(observed.bundles[1], observed.ca.bundle());
    }

    #[test]
    fn a_serving_certificate_from_another_ca_is_replaced() {
        let mut observed = empty();
        let now = SystemTime::now();
        settle(&mut observed, now);
        let stranger = CertificateAuthority::generate("other", MINUTE * 60).unwrap();
        observed.serving = Some(
            stranger
                .issue_serving(&ServingCertSpec::for_service("hook", "ns"))
                .unwrap(),
        );
        let steps = settle(&mut observed, now);
        assert_eq!(names(&steps), ["serving", "wait"]);
        let signing = observed.ca.signing.clone().unwrap();
        assert!(ca_signed(&signing.cert, &observed.serving.unwrap().cert_pem).unwrap());
    }
}
