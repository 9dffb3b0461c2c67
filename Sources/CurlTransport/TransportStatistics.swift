/// Counters of one ``CurlTransport``, for tests and the benchmark.
package struct TransportStatistics: Sendable, Equatable {
    /// New TCP connections: libcurl's (`CURLINFO_NUM_CONNECTS`, summed over transfers) and the
    /// direct path's.
    package var connectionsOpened = 0
    /// Sockets created for connections (libcurl's, seen in `CURLOPT_SOCKOPTFUNCTION`, and the
    /// direct path's).
    package var socketsOpened = 0
    /// Sockets closed (libcurl's, in `CURLOPT_CLOSESOCKETFUNCTION`, and the direct path's).
    package var socketsClosed = 0
    /// Transfers that were added to the multi handle and have completed, in any way.
    package var completedTransfers = 0
    /// Transfers in flight right now.
    package var runningTransfers = 0
    /// Open sockets the driver knows of (watched, or kept in its epoll set between requests).
    package var trackedSockets = 0
    /// `epoll_ctl` calls made for libcurl's sockets and the direct path's.
    package var epollChanges = 0
    /// Requests served without libcurl, on the event loop's own sockets (``DirectRoute``),
    /// counting each start.
    package var directRequests = 0

    package init() {}
}
