internal import CResolv

/// Reads the SRV records out of a DNS answer with libresolv's parser (`ns_initparse`,
/// `ns_parserr`, `dn_expand`); nothing here decodes DNS wire format by hand.
enum SRVAnswerParser {
    /// Why an answer could not be read; becomes ``DNSLookupError/Kind/malformedAnswer``.
    struct Malformed: Error, Equatable {
        var detail: String
    }

    /// The SRV records (class IN) in the answer section of `message`, in the order sent.
    /// Records of other types (a CNAME the name server followed) are skipped.
    static func records(in message: [UInt8]) throws(Malformed) -> [SRVRecord] {
        let result = message.withUnsafeBufferPointer { buffer -> Result<[SRVRecord], Malformed> in
            guard let base = buffer.baseAddress, buffer.count <= Int(cresolv_max_packet) else {
                return .failure(Malformed(detail: "the answer is empty or larger than a DNS message"))
            }
            var handle = ns_msg()
            guard ns_initparse(base, Int32(buffer.count), &handle) == 0 else {
                return .failure(Malformed(detail: "the answer is not a DNS message"))
            }
            var records: [SRVRecord] = []
            for index in 0..<cresolv_msg_count(&handle, ns_s_an) {
                var record = ns_rr()
                guard ns_parserr(&handle, ns_s_an, index, &record) == 0 else {
                    return .failure(Malformed(detail: "answer record \(index) is malformed"))
                }
                guard Int32(record.type) == cresolv_type_srv, Int32(record.rr_class) == cresolv_class_in else {
                    continue
                }
                switch srv(record, index: index, handle: &handle) {
                case .success(let srv): records.append(srv)
                case .failure(let error): return .failure(error)
                }
            }
            return .success(records)
        }
        return try result.get()
    }

    /// The SRV RDATA of `record`: priority, weight, port (16 bits each) and the target name,
    /// which may be compressed against the whole message.
    private static func srv(_ record: ns_rr, index: Int32, handle: inout ns_msg) -> Result<SRVRecord, Malformed> {
        guard record.rdlength >= 7, let data = record.rdata else {
            return .failure(Malformed(detail: "SRV record \(index) is too short (\(record.rdlength) bytes)"))
        }
        var name = [CChar](repeating: 0, count: Int(cresolv_max_name))
        let used = name.withUnsafeMutableBufferPointer { buffer in
            cresolv_dn_expand(
                cresolv_msg_base(&handle), cresolv_msg_end(&handle), data + 6, buffer.baseAddress, Int32(buffer.count))
        }
        guard used > 0, Int(used) == Int(record.rdlength) - 6 else {
            return .failure(Malformed(detail: "SRV record \(index) has a malformed target name"))
        }
        let expanded = name.withUnsafeBufferPointer { buffer in
            String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return .success(
            SRVRecord(
                priority: UInt16(truncatingIfNeeded: ns_get16(data)),
                weight: UInt16(truncatingIfNeeded: ns_get16(data + 2)),
                port: UInt16(truncatingIfNeeded: ns_get16(data + 4)),
                // dn_expand drops the root label: the root itself comes back empty.
                target: expanded.isEmpty ? "." : expanded + "."))
    }
}
