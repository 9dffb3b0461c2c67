internal import CCurl
internal import CEpoll

// The driver's two kinds of timeout: libcurl's own (`CURLMOPT_TIMERFUNCTION`) and every
// transfer's header timeout and deadline. Both share the event loop's one `timerfd`
// (``EventLoop/wakeUp(at:)``), which fires at the earliest time either asked for.
extension MultiDriver {
    /// `CURLMOPT_TIMERFUNCTION`. Called from inside libcurl, so it never calls libcurl itself.
    ///
    /// libcurl asks for a new timeout several times per request; the loop's timer is re-armed
    /// only when it must fire earlier than it is set to (firing early is harmless: the handler
    /// finds nothing due and asks again). A zero timeout ("call me back at once") is served
    /// right after the current libcurl call returns (``flushPendingKick()``), without a timer.
    /// - SeeAlso: <https://curl.se/libcurl/c/CURLMOPT_TIMERFUNCTION.html>
    func curlTimerRequested(milliseconds: Int) {
        if milliseconds < 0 {
            curlWanted = nil  // a timer still set fires once, finds nothing wanted, and stops
        } else if milliseconds == 0 {
            curlWanted = nil
            curlKickPending = true
        } else {
            let wanted = ccepoll_monotonic_ns() &+ UInt64(milliseconds) * 1_000_000
            curlWanted = wanted
            loop.wakeUp(at: wanted)
        }
    }

    /// The loop's timer fired: serve libcurl's timeout and the transfers' deadlines that are due.
    func timerFired() {
        if let wanted = curlWanted {
            if ccepoll_monotonic_ns() < wanted {
                loop.wakeUp(at: wanted)
            } else {
                curlWanted = nil
                performSocketAction(ccurl_socket_timeout, 0)
            }
        }
        expireDeadlines()
        flushPendingKick()
    }

    /// Serves libcurl's zero timeouts: `socket_action(CURL_SOCKET_TIMEOUT)` until libcurl stops
    /// asking (bounded; past the bound, from the loop's timer). Called at the end of every
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
                let now = ccepoll_monotonic_ns()
                curlWanted = now
                loop.wakeUp(at: now)
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

    /// Makes the loop's timer fire by the earliest deadline. Deadlines that go away (headers
    /// arrived, transfer done) leave the timer as it is: it then fires once early, finds nothing
    /// expired and re-arms. Re-arming per request would cost a `timerfd_settime` every time.
    func rescheduleDeadlineTimer() {
        guard let earliest = deadlines.earliest else { return }
        loop.wakeUp(at: earliest)
    }

    private func expireDeadlines() {
        let now = ccepoll_monotonic_ns()
        for entry in deadlines.popExpired(now: now) {
            guard let transfer = running[entry.id] else { continue }
            transfer.armedDeadline = nil
            if let connect = transfer.connectDeadline, connect <= now {
                let limit = configuration.connectTimeout
                complete(
                    transfer,
                    .failure(transfer.error(.connectTimeout, delivery: .notSent, message: "Connection timed out after \(limit)")))
            } else if let header = transfer.headerDeadline, header <= now, !transfer.parser.isComplete {
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
    }
}
