import ArgumentParser

@main
struct Runhooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runhooks",
        abstract: "Scheduled HTTP webhooks: a self-hostable, clusterable server.",
        subcommands: [Serve.self, Admin.self])
}
