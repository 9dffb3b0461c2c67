// swift-tools-version:6.0
import PackageDescription

/// Settings every Swift target shares: Swift 6 language mode is the tools-version default;
/// these add the stricter checks swift-log and async-http-client use, and Swift 6.2's
/// upcoming default for `nonisolated` async functions, which run on their caller's executor
/// (no hop to check for on every call; docs/architecture.md, "Threading contract").
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "swift-etcd-v2",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EtcdV2", targets: ["EtcdV2"]),
        .executable(name: "etcdv2-bench", targets: ["etcdv2-bench"]),
        .executable(name: "etcdv2-demo", targets: ["etcdv2-demo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // Layer 1: libcurl, with typed wrappers for its variadic calls.
        .systemLibrary(
            name: "CCurl",
            path: "Modules/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // Layer 1: glibc's stub resolver (libresolv), for DNS SRV discovery.
        .systemLibrary(
            name: "CResolv",
            path: "Modules/CResolv",
            providers: [.apt(["libc6-dev"])]
        ),
        // Layer 1: Linux's epoll, eventfd and timerfd, for the transport's event loop.
        .systemLibrary(
            name: "CEpoll",
            path: "Modules/CEpoll"
        ),
        // Layer 2: the libcurl-multi transport, driven on one event-loop thread (epoll), and
        // the SRV lookup through libresolv.
        .target(
            name: "CurlTransport",
            dependencies: [
                "CCurl",
                "CEpoll",
                "CResolv",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Layer 3: the public etcd v2 API.
        .target(
            name: "EtcdV2",
            dependencies: [
                "CurlTransport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "etcdv2-bench",
            dependencies: [
                "EtcdV2",
                "CurlTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "etcdv2-demo",
            dependencies: ["EtcdV2"],
            swiftSettings: strictSettings
        ),
        // Shared by the test suites: real etcd clusters and small loopback servers.
        .target(
            name: "EtcdTestSupport",
            dependencies: [],
            path: "Tests/EtcdTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CurlTransportTests",
            dependencies: [
                "CurlTransport",
                "EtcdTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EtcdTestSupportTests",
            dependencies: ["EtcdTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EtcdV2Tests",
            dependencies: [
                "EtcdV2",
                "CurlTransport",
                "EtcdTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
