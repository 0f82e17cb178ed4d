//! Lays out a `view::description::Description` as kubectl's tabwriter
//! does: blocks of consecutive lines with tab-separated cells are aligned
//! (padding 2); other lines are written as they are.

use std::io::{self, Write};

use crate::view::description::Description;

/// Writes `description`, aligning each block of tabbed lines.
pub fn write(w: &mut impl Write, description: &Description) -> io::Result<()> {
    let lines = &description.lines;
    let mut index = 0;
    while index < lines.len() {
        if !lines[index].contains('\t') {
            writeln!(w, "{}", lines[index])?;
            index += 1;
            continue;
        }
        let end = (index..lines.len())
            .find(|&i| !lines[i].contains('\t'))
            .unwrap_or(lines.len());
        let block = &lines[index..end];
        let columns = block
            .iter()
            .map(|l| l.split('\t').count())
            .max()
            .unwrap_or(1);
        let mut widths = vec![0usize; columns];
        for line in block {
            let cells: Vec<&str> = line.split('\t').collect();
            for (i, cell) in cells.iter().enumerate().take(cells.len() - 1) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        for line in block {
            let cells: Vec<&str> = line.split('\t').collect();
            let mut out = String::new();
            for (i, cell) in cells.iter().enumerate() {
                if i + 1 < cells.len() {
                    out.push_str(cell);
                    out.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
                } else {
                    out.push_str(cell);
                }
            }
            writeln!(w, "{}", out.trim_end())?;
        }
        index = end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::description::{PodDescription, describe_object, pod_section};
    use hourglass_shared::status::PerformerHealth;
    use k8s_openapi::api::core::v1::{Event, Pod};
    use k8s_openapi::jiff::Timestamp;
    use serde_json::json;

    #[test]
    fn describe_layout() {
        let object = json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1",
            "kind": "Performer",
            "metadata": {"name": "p", "namespace": "ns", "labels": {"b": "2", "a": "1"}, "managedFields": []},
            "spec": {"avsAddress": "0xabc", "image": "img:v1", "config": {"args": ["--x", "y"]}},
            "status": {"conditions": [{"type": "Available", "status": "True"}]}
        });
        let mut out = Vec::new();
        write(
            &mut out,
            &describe_object(&object, None, Some(&[]), Timestamp::UNIX_EPOCH),
        )
        .unwrap();
        let expected = "\
Name:         p
Namespace:    ns
Labels:       a=1
              b=2
Annotations:  <none>
API Version:  hourglass.eigenlayer.io/v1alpha1
Kind:         Performer
Metadata:
Spec:
  Avs Address:  0xabc
  Config:
    Args:
      --x
      y
  Image:  img:v1
Status:
  Conditions:
    Status:  True
    Type:    Available
Events:      <none>
";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn the_pod_section_says_why_it_does_not_run() {
        let performer: hourglass_shared::Performer = serde_json::from_value(json!({
            "apiVersion": "hourglass.eigenlayer.io/v1alpha1", "kind": "Performer",
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"avsAddress": "0xabc", "image": "img:v2"},
            "status": {"phase": "Pending", "podName": "performer-p"}
        }))
        .unwrap();
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "performer-p", "creationTimestamp": "1970-01-01T00:00:00Z"},
            "spec": {"containers": [{"name": "performer", "image": "img:v2"}]},
            "status": {"phase": "Pending", "containerStatuses": [{"name": "performer", "image": "img:v2",
                "imageID": "", "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"img:v2\""}}}]}
        }))
        .unwrap();
        let event: Event = serde_json::from_value(json!({
            "metadata": {"name": "e"}, "involvedObject": {"kind": "Pod", "name": "performer-p"},
            "type": "Normal", "reason": "BackOff", "message": "Back-off pulling image \"img:v2\"",
            "source": {"component": "kubelet"}, "lastTimestamp": "1970-01-01T00:00:00Z"
        }))
        .unwrap();
        let health = PerformerHealth::judge(&performer, Some(Some(&pod)));
        let description = PodDescription {
            name: "performer-p".to_string(),
            pod: Some(&pod),
            health: &health,
            events: Some(std::slice::from_ref(&event)),
        };
        let lines = Description {
            lines: pod_section(&description, Timestamp::UNIX_EPOCH),
        };
        let mut out = Vec::new();
        write(&mut out, &lines).unwrap();
        let expected = "\
Pod:
  Name:     performer-p
  Phase:    Pending
  Image:    img:v2
  State:    ImagePullBackOff: Back-off pulling image \"img:v2\"
  Created:  0s
  Ready:    false
  Not Healthy:
    pod performer-p: ImagePullBackOff: Back-off pulling image \"img:v2\"
  Events:
    Type    Reason   Age   From     Message
    ----    ------   ----  ----     -------
    Normal  BackOff  0s    kubelet  Back-off pulling image \"img:v2\"
";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
