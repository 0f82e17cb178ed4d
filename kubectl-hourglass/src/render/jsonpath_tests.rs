//! The examples of kubectl's JSONPath reference, on its own input, with the
//! results kubectl prints (maps as JSON, as kubectl has since 1.19).

use serde_json::json;

use super::*;

fn reference_input() -> Value {
    json!({
        "kind": "List",
        "items": [
            {
                "kind": "None",
                "metadata": {"name": "127.0.0.1", "labels": {"kubernetes.io/hostname": "127.0.0.1"}},
                "status": {
                    "capacity": {"cpu": "4"},
                    "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.1"}]
                }
            },
            {
                "kind": "None",
                "metadata": {"name": "127.0.0.2"},
                "status": {
                    "capacity": {"cpu": "8"},
                    "addresses": [
                        {"type": "LegacyHostIP", "address": "127.0.0.2"},
                        {"type": "another", "address": "127.0.0.3"}
                    ]
                }
            }
        ],
        "users": [
            {"name": "myself", "user": {}},
            {"name": "e2e", "user": {"username": "admin", "password": "secret"}}
        ]
    })
}

fn render(template: &str) -> String {
    Template::parse(template)
        .unwrap_or_else(|e| panic!("{template}: {e}"))
        .render(&reference_input())
}

#[test]
fn the_reference_examples_print_what_kubectl_prints() {
    let cases = [
        ("kind is {.kind}", "kind is List"),
        ("{.kind}", "List"),
        ("{['kind']}", "List"),
        ("{$.kind}", "List"),
        ("{..name}", "127.0.0.1 127.0.0.2 myself e2e"),
        ("{.items[*].metadata.name}", "127.0.0.1 127.0.0.2"),
        ("{.users[0].name}", "myself"),
        (
            "{.items[*]['metadata.name', 'status.capacity']}",
            r#"127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}"#,
        ),
        ("{.users[?(@.name==\"e2e\")].user.password}", "secret"),
        (
            "{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}",
            r#"[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] "#,
        ),
        (
            "{range .items[*]}{.metadata.name}{'\\t'}{end}",
            "127.0.0.1\t127.0.0.2\t",
        ),
        (
            "{range .items[*]}{.metadata.name}{\"\\n\"}{end}",
            "127.0.0.1\n127.0.0.2\n",
        ),
        ("{.items[-1:].metadata.name}", "127.0.0.2"),
        ("{.items[0:1].metadata.name}", "127.0.0.1"),
        (
            "{.items[*].metadata.labels.kubernetes\\.io/hostname}",
            "127.0.0.1",
        ),
        (
            "{.items[*].status.addresses[?(@.type==\"another\")].address}",
            "127.0.0.3",
        ),
        ("{.items[0].status.capacity.*}", "4"),
        ("{range .users}{.name},{end}", "myself,e2e,"),
        ("{.missing}", ""),
        ("no braces at all", "no braces at all"),
    ];
    for (template, expected) in cases {
        assert_eq!(render(template), expected, "{template}");
    }
}

#[test]
fn the_current_object_prints_as_json() {
    let data = json!({"b": 1, "a": [true, null]});
    assert_eq!(
        Template::parse("{@}").unwrap().render(&data),
        r#"{"a":[true,null],"b":1}"#
    );
}

#[test]
fn bad_templates_say_what_is_wrong() {
    let cases = [
        ("{.items[}", "unclosed ["),
        ("{.kind", "unclosed {"),
        ("{range .items[*]}{.kind}", "without its {end}"),
        ("{.kind}{end}", "{end} without"),
        ("{.items[?(@.a==)]}", ".items[?(@.a==)]"),
        ("{.a b}", "a path goes on"),
        ("{.}", "a field name must follow"),
        ("{\"open}", "unclosed {"),
    ];
    for (template, expected) in cases {
        let error = Template::parse(template).expect_err(template);
        assert!(error.0.contains(expected), "{template}: {error}");
    }
}
