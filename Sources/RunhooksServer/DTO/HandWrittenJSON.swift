import RunhooksCore

/// A DTO that writes itself as `JSONEncoder` would (sorted keys, absent optionals left out), for
/// the answers where the encoder cost more than the rest of the request. Tests hold each one to
/// the encoder's bytes.
protocol HandWrittenJSON {
    func write(to output: inout JSONOutput)
}
