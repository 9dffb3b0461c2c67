internal import CCurl

// libcurl's per-transfer callbacks. Each runs on the driver's event loop, inside
// `curl_multi_socket_action`, and must not call libcurl. The userdata is the `Transfer`, passed
// unretained: the driver keeps it alive for as long as its handle is in the multi handle, so
// each callback uses it without a retain and release of its own (`_withUnsafeGuaranteedRef`:
// they were two of the atomic reference-count operations per header line).

/// `CURLOPT_WRITEFUNCTION`: a piece of the response body.
/// - SeeAlso: <https://curl.se/libcurl/c/CURLOPT_WRITEFUNCTION.html>
func transferWriteCallback(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?
) -> Int {
    guard let userdata else { return 0 }
    return Unmanaged<Transfer>.fromOpaque(userdata)._withUnsafeGuaranteedRef {
        $0.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
    }
}

/// `CURLOPT_HEADERFUNCTION`: one complete header line (status line and blank line included).
/// - SeeAlso: <https://curl.se/libcurl/c/CURLOPT_HEADERFUNCTION.html>
func transferHeaderCallback(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?
) -> Int {
    guard let userdata else { return 0 }
    return Unmanaged<Transfer>.fromOpaque(userdata)._withUnsafeGuaranteedRef {
        $0.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
    }
}

/// `CURLOPT_PREREQFUNCTION`: the connection is up and the request is about to be sent.
/// - SeeAlso: <https://curl.se/libcurl/c/CURLOPT_PREREQFUNCTION.html>
func transferPrereqCallback(
    _ clientp: UnsafeMutableRawPointer?, _ primaryIP: UnsafeMutablePointer<CChar>?,
    _ localIP: UnsafeMutablePointer<CChar>?, _ primaryPort: Int32, _ localPort: Int32
) -> Int32 {
    guard let clientp else { return ccurl_prereq_abort }
    return Unmanaged<Transfer>.fromOpaque(clientp)._withUnsafeGuaranteedRef { $0.aboutToSend() }
        ? ccurl_prereq_ok : ccurl_prereq_abort
}

extension Transfer {
    /// Appends body bytes, or refuses them (aborting the transfer) past the cap.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard body.count + bytes.count <= maxBodyBytes else {
            callbackFailure = (.responseTooLarge, "response body exceeds the cap of \(maxBodyBytes) bytes")
            return 0
        }
        body.append(contentsOf: bytes)
        return bytes.count
    }

    /// Feeds the header parser; at the end of the final block, disarms the header timeout and
    /// checks the announced body size against the cap.
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) -> Int {
        if !receivedResponseBytes { receivedResponseBytes = true }
        switch parser.consume(line: bytes) {
        case .none:
            return bytes.count
        case .malformed:
            callbackFailure = (.malformedResponse, "malformed HTTP header line")
            return 0
        case .finalHeadersComplete:
            if let length = parser.contentLength {
                guard length <= maxBodyBytes else {
                    callbackFailure = (
                        .responseTooLarge, "Content-Length \(length) exceeds the cap of \(maxBodyBytes) bytes"
                    )
                    return 0
                }
                body.reserveCapacity(length)
            }
            driver?.finalHeadersArrived(self)
            return bytes.count
        }
    }

    /// Counts an attempt to send. libcurl silently re-sends a request whose reused connection
    /// returned nothing; for a non-idempotent request the second attempt is refused, so it is
    /// never sent twice, and the failure reads "possibly sent".
    func aboutToSend() -> Bool {
        requestAttempts += 1
        if requestAttempts > 1 && !request.isIdempotent {
            callbackFailure = (
                .connectionClosed,
                "the connection closed without a response; libcurl's automatic re-send of this non-idempotent request was refused"
            )
            return false
        }
        return true
    }
}
