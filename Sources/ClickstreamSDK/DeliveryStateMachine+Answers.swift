import NIOCore
import RaccoonWire

/// Answers from the collector and Android's per-batch ack timer.
extension DeliveryStateMachine {
    /// The collector answered (a decoded `SendEventResponse`).
    public mutating func answer(_ response: SendEventResponse, now: NIODeadline, tables: inout DeliveryTables)
        -> [Action]
    {
        guard !isKilled else { return [] }
        var actions: [Action] = []
        let guid = response.data["req_guid"]
        if let guid, let index = instantWrites.firstIndex(where: { $0.guid == guid }) {
            // The SDKs ignore an instant event's answer; the observer still counts the ack.
            let refs = instantWrites.remove(at: index).refs
            if response.status == .success {
                actions.append(.funnel(refs, .acked(requestGUID: guid)))
            } else {
                actions.append(.funnel(refs, .dropped(reason: "instant_unacked")))
            }
        }
        switch policy.retry {
        case .perBatchTimer(_, let maxRetries):
            answerPerBatch(response, guid: guid, maxRetries: maxRetries, now: now, &actions, &tables)
        case .stalenessSweep:
            answerFromCache(response, guid: guid, &actions, &tables)
        }
        return actions
    }

    private func isAck(_ response: SendEventResponse) -> Bool {
        switch policy.acknowledgement {
        case .statusSuccess: return response.status == .success
        case .statusSuccessAndCodeOK: return response.status == .success && response.code == .ok
        }
    }

    /// Android `CSRetryableCallback.observeCallback` (`:96-128`): only the batch whose req_guid
    /// the answer names hears it; a code-4 rejection names none and is ignored (`:101-103`).
    private mutating func answerPerBatch(
        _ response: SendEventResponse, guid: String?, maxRetries: Int, now: NIODeadline, _ actions: inout [Action],
        _ tables: inout DeliveryTables
    ) {
        guard let guid, var request = tables.requests[guid] else { return }
        let quiet = request.kind == .health && healthPolicy.quietForHealthBatches
        if isAck(response) {
            tables.requests[guid] = nil
            deleteRows(of: request, &actions, &tables)
            if !quiet { record(.batchSuccessAck, events: 1, batches: 1, batchGUID: guid, actions: &actions, &tables) }
            return
        }
        if !quiet { recordErrorLabels(response, batchGUID: guid, &actions, &tables) }
        actions.append(.funnel(request.refs, .errorAnswer(requestGUID: guid, code: response.code.rawValue)))
        if request.retries < maxRetries {
            request.retries += 1
            tables.requests[guid] = request
            actions.append(.write(Write(requestGUID: guid, entries: request.entries, instant: false)))
        } else {
            tables.requests[guid] = nil
            release(request, &actions, &tables)
        }
    }

    /// Android `onSuccess` → `deleteEventDataByGuId`: the rows still carrying the batch's guid,
    /// and only while the session that made the batch lasts (its ack channel dies at `onStop`).
    private mutating func deleteRows(
        of request: PendingRequest, _ actions: inout [Action], _ tables: inout DeliveryTables
    ) {
        guard request.session == activeSession, request.session != 0 else {
            actions.append(.detail(request.refs, .answerIgnored(requestGUID: request.guid)))
            return
        }
        let ids = tables.batched(request.rowIDs, under: request.guid)
        let refs = ids.compactMap { tables.ref($0) }
        tables.delete(ids)
        if !refs.isEmpty { actions.append(.funnel(refs, .acked(requestGUID: request.guid))) }
    }

    /// Android `onFailure` → `resetOnGoingForGuid` (an `UPDATE`: the rows keep their rowids and
    /// the old guid until a tick re-batches them), again only within the batch's session.
    private mutating func release(_ request: PendingRequest, _ actions: inout [Action], _ tables: inout DeliveryTables)
    {
        guard request.session == activeSession, request.session != 0 else { return }
        let ids = tables.inFlight(request.rowIDs, with: request.guid)
        let refs = ids.compactMap { tables.ref($0) }
        tables.release(ids, reinsert: false)
        if !refs.isEmpty { actions.append(.funnel(refs, .released(requestGUID: request.guid))) }
    }

    /// Android `trackEventResponse` (`CSRetryableCallback.kt:258-298`).
    private mutating func recordErrorLabels(
        _ response: SendEventResponse, batchGUID: String, _ actions: inout [Action], _ tables: inout DeliveryTables
    ) {
        switch response.code {
        case .maxConnectionLimitReached:
            record(
                .connectionFailure, reason: "max_connection_limit_reached", batchGUID: batchGUID, actions: &actions,
                &tables)
        case .maxUserLimitReached:
            record(
                .connectionFailure, reason: "max_user_limit_reached", batchGUID: batchGUID, actions: &actions, &tables)
        case .badRequest:
            record(.writeToSocketFailed, reason: "parsing_exception", batchGUID: batchGUID, actions: &actions, &tables)
        default:
            record(.batchErrorResponse, reason: "unknown", batchGUID: batchGUID, actions: &actions, &tables)
        }
    }

    /// Android `observeTimeout` fired (`CSRetryableCallback.kt:155-181`).
    mutating func ackTimedOut(_ guid: String, scheduledFor: NIODeadline, now: NIODeadline, tables: inout DeliveryTables)
        -> [Action]
    {
        guard !isKilled, case .perBatchTimer(_, let maxRetries) = policy.retry, var request = tables.requests[guid],
            request.timeoutAt == scheduledFor
        else { return [] }
        var actions: [Action] = []
        request.timeoutAt = nil
        if !(request.kind == .health && healthPolicy.quietForHealthBatches) {
            // The literal "SocketTimeout", not CSErrorReasons.SOCKET_TIMEOUT (`:169-174`).
            record(.batchTimeout, reason: "SocketTimeout", batches: 1, batchGUID: guid, actions: &actions, &tables)
        }
        actions.append(.funnel(request.refs, .timedOut(requestGUID: guid)))
        if request.retries < maxRetries {
            request.retries += 1
            tables.requests[guid] = request
            actions.append(.write(Write(requestGUID: guid, entries: request.entries, instant: false)))
        } else {
            // No `onComplete()` here: the batch keeps listening for a late ack (`:175-179`).
            request.exhausted = true
            tables.requests[guid] = request
            release(request, &actions, &tables)
        }
        return actions
    }

    /// iOS (`WebsocketRetryMechanism.swift:172-251`): the socket's single write callback hears
    /// every answer, so an answer before any write on this socket (Raccoon's code-4 rejection
    /// right after the upgrade) reaches nobody; the cache entry removed is the one the answer
    /// names, the health events go to the request written last.
    private mutating func answerFromCache(
        _ response: SendEventResponse, guid: String?, _ actions: inout [Action], _ tables: inout DeliveryTables
    ) {
        guard let last = lastWrite else { return }
        let lastQuiet = last.instant || (last.kind == .health && healthPolicy.quietForHealthBatches)
        if isAck(response), let guid {
            if let request = tables.requests.removeValue(forKey: guid) {
                if request.answered {
                    actions.append(.detail(request.refs, .answerIgnored(requestGUID: guid)))
                } else {
                    tables.delete(request.rowIDs)
                    actions.append(.funnel(request.refs, .acked(requestGUID: guid)))
                }
            }
            if !lastQuiet {
                record(
                    .batchSuccessAck, events: last.count, batches: 1, batchGUID: last.guid, actions: &actions, &tables)
            }
            return
        }
        if let guid, let request = tables.requests[guid], !request.answered {
            actions.append(.funnel(request.refs, .errorAnswer(requestGUID: guid, code: response.code.rawValue)))
        }
        switch response.code {
        case .maxConnectionLimitReached:
            record(.connectionFailure, reason: "max_connection_limit_reached", actions: &actions, &tables)
            actions.append(.terminateConnection)
        case .maxUserLimitReached:
            record(.connectionFailure, reason: "max_user_limit_reached", actions: &actions, &tables)
        case .badRequest:
            record(
                .writeToSocketFailed, reason: "parsing_exception", events: last.count, batchGUID: last.guid,
                actions: &actions, &tables)
        default:
            break  // INTERNAL_ERROR and the rest record nothing (`:198-238`).
        }
    }
}
