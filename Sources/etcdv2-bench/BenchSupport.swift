import Foundation

/// Helpers every benchmark command shares: process CPU, peak RSS, JSON lines, statistics.
enum BenchSupport {
    static let clientName = "swift-etcd-v2"

    /// User and system CPU seconds of this process so far (`getrusage(RUSAGE_SELF)`).
    static func cpu() -> (user: Double, system: Double) {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return (seconds(usage.ru_utime), seconds(usage.ru_stime))
    }

    /// A `Vm…:` field of `/proc/self/status`, in kB (`VmHWM` is the peak RSS).
    static func statusKB(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let digits = line.dropFirst(field.count + 1).filter(\.isNumber)
            return Int(digits) ?? -1
        }
        return -1
    }

    /// glibc's `malloc_stats()` (per-arena system and in-use bytes, on stderr), looked up at run
    /// time since Swift's Glibc module does not import `<malloc.h>`. Diagnostics only.
    static func printMallocStats(_ label: String) {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_stats") else { return }
        FileHandle.standardError.write(Data("malloc_stats \(label):\n".utf8))
        unsafeBitCast(symbol, to: (@convention(c) () -> Void).self)()
    }

    /// Prints one JSON object on stdout, with the client's name.
    static func emit(_ fields: [String: Any]) {
        var fields = fields
        fields["client"] = clientName
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]),
            let line = String(data: data, encoding: .utf8)
        else {
            log("could not encode a result line")
            return
        }
        print(line)
    }

    static func log(_ message: String) {
        FileHandle.standardError.write(Data("etcdv2-bench: \(message)\n".utf8))
    }

    static func environment(_ name: String, default value: String) -> String {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? value
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e3 + Double(attoseconds) / 1e15
    }
}

/// Splits `http://host:port/path` into endpoint and path.
struct EndpointURL {
    var endpoint: String
    var path: String

    init(_ url: String) {
        let schemeEnd = url.range(of: "://").map(\.upperBound) ?? url.startIndex
        if let slash = url[schemeEnd...].firstIndex(of: "/") {
            endpoint = String(url[..<slash])
            path = String(url[slash...])
        } else {
            endpoint = url
            path = ""
        }
    }
}
