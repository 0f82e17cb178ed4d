//! Argument parsing: kubectl's global flags anywhere, each verb's flags.

use std::time::Duration;

use clap::{CommandFactory, Parser};
use hourglass_shared::object::ObjectKind;
use kubectl_hourglass::cli::{Cli, Command, PerformerCommand};
use kubectl_hourglass::commands::create::CreateKind;
use kubectl_hourglass::options::{ColorChoice, DryRun};

fn parse(line: &str) -> Cli {
    let args = std::iter::once("kubectl-hourglass").chain(line.split_whitespace());
    Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{line}: {e}"))
}

fn fails(line: &str) -> String {
    let args = std::iter::once("kubectl-hourglass").chain(line.split_whitespace());
    Cli::try_parse_from(args).expect_err(line).to_string()
}

#[test]
fn the_command_definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn usage_says_kubectl_hourglass() {
    let help = Cli::command().render_help().to_string();
    assert!(
        help.contains("Usage: kubectl hourglass [OPTIONS] <COMMAND>"),
        "{help}"
    );
}

#[test]
fn global_flags_before_and_after_the_verb() {
    let cli = parse(
        "get performers -n team -l app=avs --context prod --kubeconfig /k --request-timeout 30s -v 4 --color never",
    );
    assert_eq!(cli.global.namespace.as_deref(), Some("team"));
    assert_eq!(cli.global.selector.as_deref(), Some("app=avs"));
    assert_eq!(cli.global.context.as_deref(), Some("prod"));
    assert_eq!(
        cli.global.kubeconfig.as_deref(),
        Some(std::path::Path::new("/k"))
    );
    assert_eq!(cli.global.request_timeout, Duration::from_secs(30));
    assert_eq!(cli.global.verbosity, 4);
    assert_eq!(cli.global.color, ColorChoice::Never);
    let cli = parse("-A status");
    assert!(cli.global.all_namespaces);
    assert_eq!(cli.global.request_timeout, Duration::ZERO);
}

#[test]
fn color_auto_follows_the_terminal_and_no_color() {
    assert!(ColorChoice::Auto.enabled(true, None));
    assert!(!ColorChoice::Auto.enabled(false, None));
    assert!(!ColorChoice::Auto.enabled(true, Some("1")));
    assert!(ColorChoice::Auto.enabled(true, Some("")));
    assert!(ColorChoice::Always.enabled(false, Some("1")));
    assert!(!ColorChoice::Never.enabled(true, None));
}

#[test]
fn get_and_describe_accept_kubectl_aliases() {
    for (word, kind) in [
        ("performers", ObjectKind::Performer),
        ("performer", ObjectKind::Performer),
        ("hgp", ObjectKind::Performer),
        ("executors", ObjectKind::Executor),
        ("hourglassexecutors", ObjectKind::Executor),
        ("hge", ObjectKind::Executor),
    ] {
        match parse(&format!("get {word} -o wide")).command {
            Command::Get(args) => assert_eq!(args.kind, kind),
            other => panic!("{other:?}"),
        }
    }
    assert!(fails("get pods").contains("expected executors or performers"));
    match parse("describe performer p").command {
        Command::Describe(args) => {
            assert_eq!(args.kind, ObjectKind::Performer);
            assert_eq!(args.name, "p");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn performer_upgrade_flags() {
    match parse(
        "performer upgrade p --image i:v2 --version v2 --timeout 90s --rollback --dry-run=server",
    )
    .command
    {
        Command::Performer(performer) => match performer.command {
            PerformerCommand::Upgrade(args) => {
                assert_eq!(args.names, ["p"]);
                assert_eq!(args.image, "i:v2");
                assert_eq!(args.version.as_deref(), Some("v2"));
                assert_eq!(args.options.timeout, Duration::from_secs(90));
                assert!(args.options.rollback);
                assert!(!args.options.no_wait);
                assert_eq!(args.dry_run, DryRun::Server);
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    match parse("performer upgrade p --image i:v2 --dry-run").command {
        Command::Performer(performer) => match performer.command {
            PerformerCommand::Upgrade(args) => {
                assert_eq!(args.dry_run, DryRun::Client);
                assert_eq!(args.options.timeout, Duration::from_secs(300));
                assert_eq!(args.max_parallel, 1);
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    match parse("performer upgrade a b --image i:v2 --max-parallel 5 --halt-on-failure --yes")
        .command
    {
        Command::Performer(performer) => match performer.command {
            PerformerCommand::Upgrade(args) => {
                assert_eq!(args.names, ["a", "b"]);
                assert_eq!(args.max_parallel, 5);
                assert!(args.halt_on_failure && args.yes);
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert!(
        fails("performer upgrade -l a=b --image i --max-parallel 0").contains("--max-parallel")
    );
    match parse("performer undo p --to-revision 3 --rollback").command {
        Command::Performer(performer) => match performer.command {
            PerformerCommand::Undo(args) => {
                assert_eq!(args.name, "p");
                assert_eq!(args.to_revision, Some(3));
                assert!(args.options.rollback);
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert!(fails("performer upgrade p").contains("--image"));
    assert!(
        fails("performer upgrade p --image i --no-wait --rollback").contains("cannot be used with")
    );
}

#[test]
fn performer_restart_flags() {
    match parse("performer restart p --timeout 90s --operator-timeout 30s").command {
        Command::Performer(performer) => match performer.command {
            PerformerCommand::Restart(args) => {
                assert_eq!(args.name, "p");
                assert_eq!(args.timeout, Duration::from_secs(90));
                assert_eq!(args.operator_timeout, Duration::from_secs(30));
                assert!(!args.no_wait);
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert!(fails("performer restart p --timeout soon").contains("--timeout"));
    assert!(fails("performer restart").contains("<NAME>"));
}

#[test]
fn create_from_flags() {
    let line = "create performer p --image i:v1 --avs-address 0xabc --executor e --grpc-port 9000 --gpu-type nvidia-a100 --gpu-count 2 --tee sgx --env A=1 --dry-run=client -o yaml";
    match parse(line).command {
        Command::Create(args) => {
            assert_eq!(args.common.dry_run, DryRun::Client);
            match args.kind {
                Some(CreateKind::Performer(p)) => {
                    assert_eq!(p.gpu_count, Some(2));
                    assert_eq!(p.tee.as_deref(), Some("sgx"));
                    assert_eq!(p.env, vec![("A".to_string(), "1".to_string())]);
                }
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    assert!(fails("create performer p --image i --avs-address 0x1 --tee arm").contains("sgx"));

    let line = "create executor e --image i:v1 --aggregator a:9090 --chain name=ethereum,rpc=https://x,mailbox=0x1 --chain name=other,rpc=https://y,mailbox=0x2,chain-id=10 --ecdsa-key 0xk";
    match parse(line).command {
        Command::Create(args) => match args.kind {
            Some(CreateKind::Executor(e)) => {
                assert_eq!(e.chains.len(), 2);
                assert_eq!(e.chains[0].chain_id, 1);
                assert_eq!(e.chains[1].chain_id, 10);
                assert_eq!(e.ecdsa_key.as_deref(), Some("0xk"));
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert!(
        fails("create executor e --image i --aggregator a:1 --chain name=unknown,rpc=x,mailbox=y")
            .contains("chain-id is required")
    );
    assert!(
        fails("create executor e --image i --aggregator a:1 --chain name=base")
            .contains("missing rpc, mailbox")
    );
}

#[test]
fn create_from_files_and_chart_values() {
    match parse("create -f a.yaml -f - --dry-run=server").command {
        Command::Create(args) => {
            assert_eq!(args.filenames, ["a.yaml", "-"]);
            assert!(args.kind.is_none());
            assert_eq!(args.common.dry_run, DryRun::Server);
        }
        other => panic!("{other:?}"),
    }
    match parse("create executor --from-chart-values v.yaml -o json").command {
        Command::Create(args) => match args.kind {
            Some(CreateKind::Executor(e)) => {
                assert_eq!(e.from_chart_values.as_deref(), Some("v.yaml"));
                assert!(e.name.is_none());
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert!(fails("create executor e").contains("--image"));
}

#[test]
fn status_validate_install_and_friends() {
    match parse("status main -o json --watch --interval 5s").command {
        Command::Status(args) => {
            assert_eq!(args.name.as_deref(), Some("main"));
            assert!(args.watch);
            assert_eq!(args.interval, Duration::from_secs(5));
        }
        other => panic!("{other:?}"),
    }
    match parse("validate -f a -f dir --show-defaults").command {
        Command::Validate(args) => {
            assert_eq!(args.filenames, ["a", "dir"]);
            assert!(args.show_defaults);
        }
        other => panic!("{other:?}"),
    }
    assert!(fails("validate").contains("--filename"));
    match parse("install --image x:1 --rotate-certs --dry-run=client -n hg").command {
        Command::Install(args) => {
            assert_eq!(args.image.as_deref(), Some("x:1"));
            assert!(args.rotate_certs);
            assert_eq!(args.dry_run, DryRun::Client);
        }
        other => panic!("{other:?}"),
    }
    match parse("uninstall --delete-crds --yes").command {
        Command::Uninstall(args) => assert!(args.delete_crds && args.yes),
        other => panic!("{other:?}"),
    }
    assert!(matches!(parse("doctor").command, Command::Doctor(_)));
    assert!(matches!(
        parse("version --client").command,
        Command::Version(_)
    ));
    assert!(matches!(
        parse("completion zsh").command,
        Command::Completion(_)
    ));
    assert!(fails("completion powershell").contains("possible values"));
}
