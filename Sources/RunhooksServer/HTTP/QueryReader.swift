import Foundation
import Hummingbird
import RunhooksCore
import RunhooksStore

/// Typed, validated query parameters. A list's parameters filter what it returns, so a
/// misspelt or repeated one is refused rather than ignored: `?stauts=paused` answering every
/// job would look like an answer to the question asked.
struct QueryReader {
    let parameters: [String: String]

    /// Reads the query, which may hold only `accepted` names, each at most once.
    init(_ request: Request, accepting accepted: [String]) throws(ValidationError) {
        var parameters: [String: String] = [:]
        for pair in (request.uri.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.formDecoded(parts[0])
            guard accepted.contains(name) else {
                throw ValidationError(
                    field: name.isEmpty ? "(a parameter with no name)" : name, "is not a query parameter of this list (it takes \(accepted.joined(separator: ", ")))")
            }
            guard parameters.updateValue(parts.count > 1 ? Self.formDecoded(parts[1]) : "", forKey: name) == nil else {
                throw ValidationError(field: name, "appears more than once")
            }
        }
        self.parameters = parameters
    }

    /// The parameters of every list: `page` and `limit`.
    static let paging = ["page", "limit"]

    /// A query string is form-encoded: browsers and `URLSearchParams` send a space as "+" (and
    /// a plus as "%2B"). Hummingbird's `queryParameters` keeps "+" as a plus, which turned a
    /// search for "nightly backup" into the pattern "nightly+backup".
    static func formDecoded(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    func page() throws(ValidationError) -> PageRequest {
        PageRequest(
            page: try integer("page", range: PageRequest.pages) ?? 1,
            limit: try integer("limit", range: 1...PageRequest.maxLimit) ?? 20)
    }

    func integer(_ name: String, range: ClosedRange<Int>) throws(ValidationError) -> Int? {
        guard let text = parameters[name] else { return nil }
        guard let value = Int(text) else { throw ValidationError(field: name, "must be a whole number") }
        guard range.contains(value) else {
            throw ValidationError(field: name, "must be between \(range.lowerBound.grouped) and \(range.upperBound.grouped)")
        }
        return value
    }

    func string(_ name: String, maxLength: Int) throws(ValidationError) -> String? {
        guard let text = parameters[name] else { return nil }
        guard !text.isEmpty else { throw ValidationError(field: name, "must not be empty") }
        guard text.unicodeScalars.count <= maxLength else { throw ValidationError(field: name, "must be at most \(maxLength) characters") }
        return text
    }

    func enumeration<Value: RawRepresentable & CaseIterable>(_ name: String, _ type: Value.Type) throws(ValidationError) -> Value?
    where Value.RawValue == String {
        guard let text = parameters[name] else { return nil }
        guard let value = Value(rawValue: text) else {
            let names = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError(field: name, "must be one of \(names)")
        }
        return value
    }
}

extension Parameters {
    /// A path id, which must be 24 lowercase hex characters.
    func objectID(_ name: String = "id") throws(ValidationError) -> String {
        guard let value = get(name), ObjectIDGenerator.isValid(value) else {
            throw ValidationError(field: name, "must be a 24-character hexadecimal id")
        }
        return value
    }
}
