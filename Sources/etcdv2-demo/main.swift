// etcdv2-demo: a short tour of the EtcdV2 API against the endpoints given as arguments.
// `scripts/demo.sh` starts a throwaway etcd and runs this against it.
import EtcdV2
import Foundation

let endpoints = Array(CommandLine.arguments.dropFirst())
guard !endpoints.isEmpty else {
    print("usage: etcdv2-demo http://127.0.0.1:2379 [more endpoints]")
    exit(2)
}

do {
    let client = try EtcdClient(configuration: .init(endpoints: endpoints, headerTimeoutPerRequest: .seconds(1)))
    let keys = client.keys
    let version = try await client.version()
    print("connected: etcd \(version.server), cluster \(version.cluster)")

    let set = try await keys.set("/demo/greeting", value: "hello")
    print("set /demo/greeting = hello at index \(set.index ?? 0)")

    // Watch the directory from the write's index on, in the background.
    let watcher = Task {
        var seen: [String] = []
        for try await event in keys.watch("/demo", options: .init(afterIndex: set.index, recursive: true)) {
            guard case .change(let response) = event else { continue }
            seen.append("\(response.action.rawValue) \(response.node?.key ?? "?")")
            if seen.count == 3 { break }
        }
        return seen
    }

    let got = try await keys.get("/demo/greeting")
    print("get /demo/greeting -> \(got.node?.value ?? "<none>")")

    do {
        _ = try await keys.set("/demo/greeting", value: "bye", options: .init(prevValue: "wrong"))
    } catch let error as EtcdError {
        print("compare-and-swap with a wrong prevValue refused: \(error)")
    }
    _ = try await keys.set("/demo/greeting", value: "bye", options: .init(prevValue: "hello"))
    print("compare-and-swap with the right prevValue: ok")
    _ = try await keys.createInOrder(inDirectory: "/demo/queue", value: "job-1")
    _ = try await keys.delete("/demo/greeting")

    for line in try await watcher.value { print("watched: \(line)") }

    do {
        _ = try await keys.get("/demo/greeting")
    } catch let error as EtcdError where error.isKeyNotFound {
        print("get after delete: \(error)")
    }
    await client.shutdown()
} catch {
    print("demo failed: \(error)")
    exit(1)
}
