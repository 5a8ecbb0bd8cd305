import ArgumentParser
import RunhooksCore

@main
struct Runhooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runhooks",
        abstract: "Scheduled HTTP webhooks: a self-hostable, clusterable server.",
        discussion: """
            Server: runhooks serve [options]. Client: runhooks init, then jobs, executions, alerts, usage, \
            whoami, rotate-key, change-password, delete-account and cluster status against any node (RUNHOOKS_API_URL, RUNHOOKS_API_KEY, \
            RUNHOOKS_CONFIG).
            """,
        version: RunhooksVersion.current,
        subcommands: [
            Serve.self, Admin.self, InitCommand.self, WhoAmI.self, RotateKey.self, UsageCommand.self, JobsCommand.self,
            ExecutionsCommand.self, AlertsCommand.self, WebhookSecretCommand.self, ClusterCommand.self, ChangePasswordCommand.self,
            DeleteAccountCommand.self,
        ])
}
