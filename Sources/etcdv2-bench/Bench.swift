import ArgumentParser

/// `etcdv2-bench`: the benchmark, speaking the contract of `../shared/bench-contract.md`.
/// One JSON object per line on stdout, diagnostics on stderr.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "etcdv2-bench",
        abstract: "Measure swift-etcd-v2 side by side with the reference etcd v2 clients.",
        subcommands: [
            SeqSetCommand.self, SeqGetCommand.self, ConcGetCommand.self, WatchersCommand.self,
            HeaderTimeoutCommand.self, FailoverCommand.self,
        ]
    )
}
