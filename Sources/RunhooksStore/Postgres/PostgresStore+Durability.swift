import PostgresNIO

extension PostgresStore {
    /// A claim is taken as durable once PostgreSQL acknowledges its commit; with `fsync` or
    /// `synchronous_commit` off that acknowledgement does not survive a crash (of the machine,
    /// or with `synchronous_commit` off, of the server alone), and a claim of a slot already sent
    /// can be lost. Said once at start, for the operator to decide.
    func warnIfCommitsMayBeLost() async {
        do {
            let settings = try await query(
                "SELECT current_setting('synchronous_commit'), current_setting('fsync')", logger: logger
            ).first { row in try row.decode((String, String).self) }
            guard let (synchronousCommit, fsync) = settings else { return }
            if synchronousCommit == "off" {
                logger.warning(
                    "PostgreSQL's synchronous_commit is off for this database: a crash of the database server loses the commits of its last moments, claims of slots already sent among them (see docs/OPERATIONS.md)")
            }
            if fsync == "off" {
                logger.warning(
                    "PostgreSQL runs with fsync off: a crash of its machine can lose or corrupt committed data (see docs/OPERATIONS.md)")
            }
        } catch {
            logger.warning("cannot read PostgreSQL's durability settings: \(error)")
        }
    }
}
