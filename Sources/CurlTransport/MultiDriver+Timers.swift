internal import CCurl
import Dispatch

// The driver's two timers: libcurl's own (`CURLMOPT_TIMERFUNCTION`) and the one deadline timer
// that serves every transfer's header timeout and deadline. Both run on the driver's queue.
extension MultiDriver {
    /// `CURLMOPT_TIMERFUNCTION`. Called from inside libcurl, so it never calls libcurl itself.
    ///
    /// Re-arming a dispatch timer wakes libdispatch's manager thread, and libcurl asks for a new
    /// timeout several times per request, so the timer is re-armed only when it must fire
    /// earlier than it is set to; firing early is harmless (it re-arms for what libcurl wants).
    /// A zero timeout ("call me back at once") is served right after the current libcurl call
    /// returns (``flushPendingKick()``), without a timer.
    /// - SeeAlso: <https://curl.se/libcurl/c/CURLMOPT_TIMERFUNCTION.html>
    func curlTimerRequested(milliseconds: Int) {
        if milliseconds < 0 {
            curlWanted = nil  // a timer still set fires once, finds nothing wanted, and stops
        } else if milliseconds == 0 {
            curlWanted = nil
            curlKickPending = true
        } else {
            let wanted = DispatchTime.now().uptimeNanoseconds &+ UInt64(milliseconds) * 1_000_000
            curlWanted = wanted
            armCurlTimer(at: wanted)
        }
    }

    func armCurlTimer(at deadline: UInt64) {
        if let scheduled = curlScheduled, scheduled <= deadline { return }
        curlScheduled = deadline
        curlTimer?.schedule(deadline: DispatchTime(uptimeNanoseconds: deadline), leeway: .nanoseconds(0))
    }

    func curlTimerFired() {
        curlScheduled = nil
        guard let wanted = curlWanted else { return }
        if DispatchTime.now().uptimeNanoseconds < wanted {
            armCurlTimer(at: wanted)
            return
        }
        curlWanted = nil
        socketAction(ccurl_socket_timeout, 0)
    }

    /// Serves libcurl's zero timeouts: `socket_action(CURL_SOCKET_TIMEOUT)` until libcurl stops
    /// asking (bounded; past the bound, from the queue via the timer). Called at the end of every
    /// entry point that called into libcurl, never from inside a libcurl callback.
    func flushPendingKick() {
        guard !flushingKicks else { return }
        flushingKicks = true
        defer { flushingKicks = false }
        var rounds = 0
        while curlKickPending, multi != nil {
            curlKickPending = false
            rounds += 1
            if rounds > 16 {
                let now = DispatchTime.now().uptimeNanoseconds
                curlWanted = now
                armCurlTimer(at: now)
                return
            }
            performSocketAction(ccurl_socket_timeout, 0)
        }
    }

    // MARK: Deadlines

    /// The header timeout is over; the overall deadline, if any, still counts.
    func finalHeadersArrived(_ transfer: Transfer) {
        arm(transfer)
    }

    func arm(_ transfer: Transfer) {
        let next = transfer.nextDeadline
        guard next != transfer.armedDeadline else { return }
        let id = ObjectIdentifier(transfer)
        if let old = transfer.armedDeadline { deadlines.remove(id, at: old) }
        transfer.armedDeadline = next
        if let next { deadlines.insert(id, at: next) }
        rescheduleDeadlineTimer()
    }

    func disarm(_ transfer: Transfer) {
        guard let old = transfer.armedDeadline else { return }
        deadlines.remove(ObjectIdentifier(transfer), at: old)
        transfer.armedDeadline = nil
        rescheduleDeadlineTimer()
    }

    /// Arms the deadline timer for the earliest deadline, unless it already fires no later.
    /// Deadlines that go away (headers arrived, transfer done) leave the timer as it is: it then
    /// fires once early, finds nothing expired and re-arms. Re-arming per request would wake
    /// libdispatch's manager thread every time.
    func rescheduleDeadlineTimer() {
        guard let earliest = deadlines.earliest else { return }
        if let scheduled = scheduledDeadline, scheduled <= earliest { return }
        scheduledDeadline = earliest
        deadlineTimer?.schedule(deadline: DispatchTime(uptimeNanoseconds: earliest), leeway: .nanoseconds(0))
    }

    func deadlineTimerFired() {
        scheduledDeadline = nil
        let now = DispatchTime.now().uptimeNanoseconds
        for entry in deadlines.popExpired(now: now) {
            guard let transfer = running[entry.id] else { continue }
            transfer.armedDeadline = nil
            if let header = transfer.headerDeadline, header <= now, !transfer.parser.isComplete {
                let limit = transfer.request.headerTimeout.map { "\($0)" } ?? ""
                complete(transfer, .failure(transfer.error(.headerTimeout, message: "no response headers within \(limit)")))
            } else if let overall = transfer.overallDeadline, overall <= now {
                let limit = transfer.request.deadline.map { "\($0)" } ?? ""
                complete(transfer, .failure(transfer.error(.deadlineExceeded, message: "no complete response within \(limit)")))
            } else {
                arm(transfer)
            }
        }
        rescheduleDeadlineTimer()
        flushPendingKick()
    }
}
