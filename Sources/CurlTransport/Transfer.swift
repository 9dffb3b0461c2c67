internal import CCurl
internal import CEpoll

/// One request from ``CurlTransport/execute(_:)`` to its single completion.
///
/// Created off the queue with immutable inputs; from the moment it is handed to the driver
/// every mutable field is touched on the driver's event loop only (libcurl callbacks run there too,
/// inside `curl_multi_socket_action`). That confinement is the one unchecked `Sendable` claim.
final class Transfer: @unchecked Sendable {
    /// The lifecycle; each transition is made by ``MultiDriver`` on its event loop.
    enum State {
        /// Waiting for the driver to start it. → `running`, or → `finished` when cancelled first.
        case pending
        /// Added to the multi handle. → `finished`.
        case running(EasyHandle)
        /// A `GET` on a connection of the event loop, without libcurl (the direct path). → `finished`.
        case direct(DirectConnection)
        /// Its continuation has been resumed; nothing more happens.
        case finished
    }

    let request: TransportRequest
    /// `CLOCK_MONOTONIC` nanoseconds at the call to `execute`: timeouts count from here.
    let startNanos: UInt64
    let headerDeadline: UInt64?
    let overallDeadline: UInt64?

    var state = State.pending
    var isCancelled = false
    var continuation: UnsafeContinuation<TransportResponse, any Error>?
    // Exclusivity unchecked: both are mutated for every header line and body chunk, only on
    // the event loop's thread and never in overlapping accesses (libcurl's callbacks do not
    // nest), so the runtime's dynamic check has nothing to catch here and costs a
    // thread-local lookup each time.
    @exclusivity(unchecked) var parser = HeaderBlockParser()
    @exclusivity(unchecked) var body: [UInt8] = []
    var maxBodyBytes = Int.max
    /// Calls of `CURLOPT_PREREQFUNCTION`: how many times libcurl was about to send the request.
    var requestAttempts = 0
    /// Whether any response header line arrived (across attempts of this handle).
    var receivedResponseBytes = false
    /// Set for the one TLS 1.2 retry after a server closed a new TLS connection before the
    /// request went out (``CurlCodes/isUnexplainedCloseAfterTLSHandshake(_:)``): the first
    /// attempt's failure, reported if the retry does not explain it.
    var failureBeforeTLS12Retry: TransportError?
    /// A failure decided in a callback, which makes libcurl abort the transfer.
    var callbackFailure: (kind: TransportError.Kind, message: String)?
    /// A direct request's connect timeout, while its new connection is being set up.
    var connectDeadline: UInt64?
    /// Whether a direct request was sent again after its reused connection died unanswered.
    var directRetried = false
    /// The deadline under which the transfer sits in the driver's ``DeadlineQueue``.
    var armedDeadline: UInt64?
    /// The driver running the transfer; set while it runs, cleared when it finishes.
    var driver: MultiDriver?

    init(request: consuming TransportRequest, startNanos: UInt64) {
        self.startNanos = startNanos
        headerDeadline = request.headerTimeoutNanoseconds.map { Self.add(startNanos, $0) }
        overallDeadline = request.deadlineNanoseconds.map { Self.add(startNanos, $0) }
        self.request = request  // moved in, not copied
    }

    /// The deadline that matters now: the header deadline until the final headers arrive,
    /// then only the overall one.
    var nextDeadline: UInt64? {
        // Runs several times per request: the minimum of three without an array.
        Self.earlier(Self.earlier(parser.isComplete ? nil : headerDeadline, overallDeadline), connectDeadline)
    }

    var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    func error(
        _ kind: TransportError.Kind, tlsFailure: TransportError.TLSFailure? = nil,
        delivery: TransportError.Delivery? = nil, curlCode: CURLcode? = nil, message: String
    ) -> TransportError {
        TransportError(
            kind: kind,
            tlsFailure: tlsFailure,
            delivery: delivery ?? CurlCodes.delivery(requestAttempts: requestAttempts),
            endpoint: request.endpoint,
            curlCode: curlCode.map { Int32(bitPattern: $0.rawValue) },
            message: message,
            elapsed: .nanoseconds(ccepoll_monotonic_ns() &- startNanos)
        )
    }

    private static func earlier(_ a: UInt64?, _ b: UInt64?) -> UInt64? {
        switch (a, b) {
        case let (a?, b?): min(a, b)
        case let (a?, nil): a
        case let (nil, b): b
        }
    }

    private static func add(_ start: UInt64, _ nanoseconds: UInt64) -> UInt64 {
        let (sum, overflow) = start.addingReportingOverflow(nanoseconds)
        return overflow ? .max : sum
    }
}
