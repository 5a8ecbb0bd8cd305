import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads passwords without echo on a terminal, or one per line from standard input for scripts.
struct PasswordPrompt {
    let fromStdin: Bool
    /// Why a terminal is needed, said when there is none and no `--password-stdin`.
    let purpose: String

    func read(_ prompt: String) throws -> String {
        if fromStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw CommandFailure("--password-stdin: no password on standard input")
            }
            return line
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw CommandFailure("\(purpose) needs a terminal to ask for the password; use --password-stdin in scripts")
        }
        guard let entered = getpass(prompt + ": ").map({ String(cString: $0) }), !entered.isEmpty else {
            throw CommandFailure("no password entered")
        }
        return entered
    }

    /// A new password: asked twice on a terminal, read once from standard input.
    func readNew() throws -> String {
        let new = try read("New password (at least 8 characters)")
        if !fromStdin, try read("The same again") != new {
            throw CommandFailure("the two new passwords differ; nothing changed")
        }
        return new
    }
}
