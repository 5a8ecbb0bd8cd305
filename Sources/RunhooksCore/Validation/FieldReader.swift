/// Reads typed values out of a JSON object, producing a `ValidationError` that names the
/// field's full path and the broken rule.
public struct FieldReader: Sendable {
    public let path: String
    public let fields: [String: JSONValue]

    public init(_ value: JSONValue, path: String = "") throws(ValidationError) {
        guard case .object(let fields) = value else {
            throw ValidationError(field: path.isEmpty ? "body" : path, "must be a JSON object")
        }
        self.path = path
        self.fields = fields
    }

    public func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public func has(_ key: String) -> Bool { fields[key] != nil }

    /// Rejects keys that the endpoint does not know, so a typo never passes silently.
    public func rejectUnknown(allowed: Set<String>, ignoring: Set<String> = []) throws(ValidationError) {
        for key in fields.keys.sorted() where !allowed.contains(key) && !ignoring.contains(key) {
            throw ValidationError(field: name(key), "is not a known field")
        }
    }

    /// A change may echo the object back as read (`id` included), but its `id` must then be
    /// the one in the path: a body sent to another object's path would otherwise overwrite that
    /// object without a word.
    public func requireEchoedID(_ id: String) throws(ValidationError) {
        guard let echoed = fields["id"], echoed != .string(id) else { return }
        throw ValidationError(field: name("id"), "is not the id in the path (\(id)); an id cannot change")
    }

    public func object(_ key: String) throws(ValidationError) -> FieldReader? {
        guard let value = fields[key], value != .null else { return nil }
        return try FieldReader(value, path: name(key))
    }

    public func string(_ key: String, length: ClosedRange<Int>? = nil) throws(ValidationError) -> String? {
        guard let value = fields[key], value != .null else { return nil }
        guard case .string(let text) = value else {
            throw ValidationError(field: name(key), "must be a string, got \(value.typeName)")
        }
        if let length {
            // Counted in Unicode scalars, as JSON Schema's minLength and maxLength count.
            let count = text.unicodeScalars.count
            if count < length.lowerBound {
                throw ValidationError(
                    field: name(key),
                    length.lowerBound == 1
                        ? "must not be empty" : "must be at least \(length.lowerBound) characters")
            }
            if count > length.upperBound {
                throw ValidationError(field: name(key), "must be at most \(length.upperBound) characters")
            }
        }
        return text
    }

    /// A single-line text (names, tags): no control characters at all (`TextPatterns.line`).
    public func line(_ key: String, length: ClosedRange<Int>) throws(ValidationError) -> String? {
        guard let text = try string(key, length: length) else { return nil }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ValidationError(field: name(key), "must not contain control characters")
        }
        return text
    }

    public func requiredLine(_ key: String, length: ClosedRange<Int>) throws(ValidationError) -> String {
        guard let text = try line(key, length: length) else { throw ValidationError(field: name(key), "is required") }
        return text
    }

    /// A required single line with something besides white space (`TextPatterns.nonBlankLine`).
    public func requiredName(_ key: String, length: ClosedRange<Int>) throws(ValidationError) -> String {
        let text = try requiredLine(key, length: length)
        guard !text.unicodeScalars.allSatisfy(\.properties.isWhitespace) else {
            throw ValidationError(field: name(key), "must not be blank")
        }
        return text
    }

    public func requiredString(_ key: String, length: ClosedRange<Int>? = nil) throws(ValidationError) -> String {
        guard let text = try string(key, length: length) else {
            throw ValidationError(field: name(key), "is required")
        }
        return text
    }

    public func integer(_ key: String, range: ClosedRange<Int>) throws(ValidationError) -> Int? {
        guard let value = fields[key], value != .null else { return nil }
        guard case .number(let number) = value else {
            throw ValidationError(field: name(key), "must be a number, got \(value.typeName)")
        }
        guard number.isFinite, number.rounded() == number else {
            throw ValidationError(field: name(key), "must be a whole number")
        }
        guard number >= Double(range.lowerBound), number <= Double(range.upperBound) else {
            throw ValidationError(
                field: name(key), "must be between \(range.lowerBound.grouped) and \(range.upperBound.grouped)")
        }
        return Int(number)
    }

    public func number(_ key: String, range: ClosedRange<Double>) throws(ValidationError) -> Double? {
        guard let value = fields[key], value != .null else { return nil }
        guard case .number(let number) = value, number.isFinite else {
            throw ValidationError(field: name(key), "must be a number, got \(value.typeName)")
        }
        guard range.contains(number) else {
            throw ValidationError(
                field: name(key), "must be between \(range.lowerBound.compact) and \(range.upperBound.compact)")
        }
        return number
    }

    public func bool(_ key: String) throws(ValidationError) -> Bool? {
        guard let value = fields[key], value != .null else { return nil }
        guard case .bool(let flag) = value else {
            throw ValidationError(field: name(key), "must be a boolean, got \(value.typeName)")
        }
        return flag
    }

    public func stringArray(_ key: String) throws(ValidationError) -> [String]? {
        guard let value = fields[key], value != .null else { return nil }
        guard case .array(let items) = value else {
            throw ValidationError(field: name(key), "must be an array of strings, got \(value.typeName)")
        }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else {
                throw ValidationError(field: "\(name(key))[\(index)]", "must be a string, got \(item.typeName)")
            }
            strings.append(text)
        }
        return strings
    }

    public func stringMap(_ key: String) throws(ValidationError) -> [String: String]? {
        guard let value = fields[key], value != .null else { return nil }
        guard case .object(let entries) = value else {
            throw ValidationError(field: name(key), "must be an object of string values, got \(value.typeName)")
        }
        var map: [String: String] = [:]
        for (entryKey, entryValue) in entries {
            guard case .string(let text) = entryValue else {
                throw ValidationError(
                    field: "\(name(key)).\(entryKey)", "must be a string, got \(entryValue.typeName)")
            }
            map[entryKey] = text
        }
        return map
    }
}

extension Int {
    /// `300000` → `300,000`, as the reference writes its limits.
    public var grouped: String {
        let digits = String(magnitude)
        var out = ""
        for (index, char) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(char)
        }
        return self < 0 ? "-" + out : out
    }
}

extension Double {
    var compact: String {
        rounded() == self && abs(self) < 1e15 ? Int(self).grouped : String(self)
    }
}
