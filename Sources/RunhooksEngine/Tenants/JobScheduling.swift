import RunhooksCore

/// Where a tenant's job changes go once they are stored: the wheel of the job's shard.
public protocol JobScheduling: Sendable {
    func jobSaved(_ job: Job) async
    func jobDeleted(id: String, userId: String) async
}

extension DeliveryEngine: JobScheduling {}
