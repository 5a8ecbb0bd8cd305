import ArgumentParser
import RunhooksCore

/// `runhooks change-password`: the account's sessions end; its API key keeps working.
struct ChangePasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "change-password", abstract: "Change the account's password (its other sessions end).",
        discussion: "Asks for the current password and the new one twice; with --password-stdin reads two lines: the current one, then the new one.")
    @OptionGroup var options: ClientOptions
    @Flag(name: .customLong("password-stdin"), help: "Read the current and the new password from standard input, one per line.")
    var passwordFromStdin = false

    func run() async throws {
        let prompt = PasswordPrompt(fromStdin: passwordFromStdin, purpose: "change-password")
        let current = try prompt.read("Current password")
        let new = try prompt.readNew()
        let reply = try await options.client().send(
            .POST, "/auth/change-password", body: ["currentPassword": .string(current), "newPassword": .string(new)])
        options.json ? options.output.printJSON(.null) : options.output.message(reply.message ?? "Password changed")
    }
}
