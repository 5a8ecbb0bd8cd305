import Foundation
import RunhooksCore

/// Alert configurations, the engine's per-(alert, job) state, and the delivery history.
public protocol AlertStore: Sendable {
    func insertAlert(_ alert: AlertConfig) async throws
    func countAlerts(userId: String) async throws -> Int
    func alert(id: String, userId: String) async throws -> AlertConfig?
    func listAlerts(userId: String) async throws -> [AlertConfig]
    /// Compare-and-set on `updatedAt`, as `JobStore.updateJob`.
    func updateAlert(_ alert: AlertConfig, expectedUpdatedAt: Date) async throws -> Bool
    func deleteAlert(id: String, userId: String) async throws -> Bool

    func alertStates(userId: String) async throws -> [AlertStateKey: AlertState]
    /// Saves one state; ignored when the alert or the job is gone.
    func saveAlertState(_ state: AlertState, for key: AlertStateKey) async throws
    /// Records one delivery; ignored when the alert is gone.
    func insertAlertDelivery(_ delivery: AlertDelivery) async throws
    func listAlertDeliveries(alertId: String, userId: String, page: PageRequest) async throws -> Page<AlertDelivery>
    /// Deletes up to `limit` alert deliveries of users on `plan` created before `cutoff`;
    /// returns how many.
    func purgeAlertDeliveries(plan: Plan, createdBefore cutoff: Date, limit: Int) async throws -> Int
}

/// Which alert state: one per (alert, job) pair, since an account-wide alert watches every job.
public struct AlertStateKey: Hashable, Sendable {
    public var alertId: String
    public var jobId: String

    public init(alertId: String, jobId: String) {
        self.alertId = alertId
        self.jobId = jobId
    }
}
