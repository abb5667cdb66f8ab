// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6)
]

let package = Package(
    name: "preflight",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "preflight", targets: ["preflight"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-ssh.git", from: "0.15.1"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Pure model: payloads, connector types, config validation, reports, categories, redaction.
        .target(
            name: "PreflightCore",
            swiftSettings: swiftSettings
        ),
        // The process's log lines: swift-log's line format, written in batches by a thread of its own.
        .target(
            name: "PreflightLogging",
            dependencies: [
                .product(name: "Logging", package: "swift-log")
            ],
            swiftSettings: swiftSettings
        ),
        // Resolver (DNS client, /etc/hosts, resolv.conf), egress policy, dialing with deadlines, TLS policy, protocol sniffing.
        .target(
            name: "PreflightNetwork",
            dependencies: [
                "PreflightCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL wire family: postgresql, cockroach, redshift.
        .target(
            name: "PreflightPostgres",
            dependencies: [
                "PreflightCore",
                "PreflightNetwork",
                "PreflightSCRAM",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The MySQL wire family: mysql, planetscale (the protocol written here, only what a ping needs).
        .target(
            name: "PreflightMySQL",
            dependencies: [
                "PreflightCore",
                "PreflightNetwork",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // MongoDB and DocumentDB: connection strings, OP_MSG/BSON, SCRAM, topology, change-stream readiness.
        .target(
            name: "PreflightMongo",
            dependencies: [
                "PreflightCore",
                "PreflightNetwork",
                "PreflightSCRAM",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // SCRAM's client side (RFC 5802/7677), SASLprep and the salted-password cache: MongoDB and PostgreSQL logins.
        .target(
            name: "PreflightSCRAM",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // SSH bastions: key pairs, OpenSSH key files, host-key pinning, direct-tcpip channels for every TCP probe.
        .target(
            name: "PreflightSSH",
            dependencies: [
                "PreflightCore",
                "PreflightNetwork",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP/1.1 over the ping's own dialled channel (egress, deadline, byte limit, TLS verification), JSON and JWT helpers.
        .target(
            name: "PreflightHTTP",
            dependencies: [
                "PreflightCore",
                "PreflightNetwork",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // AWS: SigV4, STS AssumeRole, S3, DynamoDB Streams, S3 Tables and Iceberg REST catalogs.
        .target(
            name: "PreflightAWS",
            dependencies: [
                "PreflightCore", "PreflightNetwork", "PreflightHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Google Cloud: service-account JWT exchange, BigQuery and GCS.
        .target(
            name: "PreflightGoogle",
            dependencies: [
                "PreflightCore", "PreflightNetwork", "PreflightHTTP",
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Snowflake: account identifiers, key-pair JWT and password logins, warehouse use.
        .target(
            name: "PreflightSnowflake",
            dependencies: [
                "PreflightCore", "PreflightNetwork", "PreflightHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Databricks: personal access tokens and OAuth M2M, SQL warehouse state.
        .target(
            name: "PreflightDatabricks",
            dependencies: [
                "PreflightCore", "PreflightNetwork", "PreflightHTTP",
            ],
            swiftSettings: swiftSettings
        ),
        // ClickHouse (HTTP interface) and MotherDuck (token).
        .target(
            name: "PreflightClickHouse",
            dependencies: [
                "PreflightCore", "PreflightNetwork", "PreflightHTTP",
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PreflightMotherDuck",
            dependencies: [
                "PreflightCore", "PreflightNetwork", "PreflightHTTP",
            ],
            swiftSettings: swiftSettings
        ),
        // Artie's Events API source (`api`): nothing to dial; the ping says so.
        .target(
            name: "PreflightEventsAPI",
            dependencies: ["PreflightCore", "PreflightNetwork"],
            swiftSettings: swiftSettings
        ),
        // Redis: RESP2/RESP3, HELLO/AUTH, TLS, SELECT.
        .target(
            name: "PreflightRedis",
            dependencies: [
                "PreflightCore", "PreflightNetwork",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Oracle: the TNS listener exchange (CONNECT, ACCEPT, REFUSE, REDIRECT, RESEND), TCPS, the O5LOGON login.
        .target(
            name: "PreflightOracle",
            dependencies: [
                "PreflightCore", "PreflightNetwork",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Amazon Keyspaces: CQL native protocol v4 over TLS, SigV4 (PreflightAWS's keys and STS) or password logins.
        .target(
            name: "PreflightKeyspaces",
            dependencies: [
                "PreflightCore", "PreflightNetwork", "PreflightAWS", "PreflightHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // SQL Server (mssql): TDS 7.4 written here, only what a ping needs (PRELOGIN, TLS inside TDS, LOGIN7, tokens).
        .target(
            name: "PreflightMSSQL",
            dependencies: [
                "PreflightCore", "PreflightNetwork",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The engine: one deadline per ping, the report; it knows no connector (they are given to it).
        .target(
            name: "PreflightEngine",
            dependencies: [
                "PreflightCore",
                "PreflightNetwork",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The registry: one line per connector module; linked by the server and the CLI.
        .target(
            name: "PreflightProbes",
            dependencies: [
                "PreflightCore",
                "PreflightNetwork",
                "PreflightPostgres",
                "PreflightMySQL",
                "PreflightMongo",
                "PreflightAWS",
                "PreflightGoogle",
                "PreflightSnowflake",
                "PreflightDatabricks",
                "PreflightClickHouse",
                "PreflightMotherDuck",
                "PreflightRedis",
                "PreflightEventsAPI",
                "PreflightOracle",
                "PreflightKeyspaces",
                "PreflightMSSQL",
            ],
            swiftSettings: swiftSettings
        ),
        // Domain services shared by the HTTP API and the CLI: SSH tunnels, and pings that go through them.
        .target(
            name: "PreflightServices",
            dependencies: [
                "PreflightCore",
                "PreflightEngine",
                "PreflightNetwork",
                "PreflightSSH",
                "PreflightStore",
            ],
            swiftSettings: swiftSettings
        ),
        // Companies, API keys (hashed) and later tunnels: SQLite and PostgreSQL behind one protocol.
        .target(
            name: "PreflightStore",
            dependencies: [
                "PreflightCore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP API, spec-first from openapi.yaml.
        .target(
            name: "PreflightServer",
            dependencies: [
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                "PreflightCore",
                "PreflightEngine",
                "PreflightServices",
                "PreflightStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("openapi.yaml"), .copy("Console")],
            swiftSettings: swiftSettings + [.enableUpcomingFeature("InternalImportsByDefault")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // The remote commands' HTTP client (agent, planes, ping --service): NIO, TLS, proxies from the environment.
        .target(
            name: "PreflightRemote",
            dependencies: [
                "PreflightCore",
                "PreflightHTTP",
                "PreflightNetwork",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command line.
        .executableTarget(
            name: "preflight",
            dependencies: [
                "PreflightCore",
                "PreflightEngine",
                "PreflightHTTP",
                "PreflightLogging",
                "PreflightNetwork",
                "PreflightProbes",
                "PreflightRemote",
                "PreflightServer",
                "PreflightServices",
                "PreflightSSH",
                "PreflightStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightProbesTests",
            dependencies: [
                "PreflightCore", "PreflightNetwork", "PreflightProbes", "PreflightEngine",
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightCLITests",
            dependencies: [
                "PreflightTestSupport", "PreflightProbeTesting", "PreflightProbes", "PreflightOracle",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightLoggingTests",
            dependencies: [
                "PreflightLogging",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightRemoteTests",
            dependencies: [
                "PreflightRemote", "PreflightHTTP", "PreflightNetwork", "PreflightTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightEngineTests",
            dependencies: [
                "PreflightProbeTesting",
                "PreflightCore", "PreflightNetwork", "PreflightEngine",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightCoreTests",
            dependencies: ["PreflightCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightNetworkTests",
            dependencies: [
                "PreflightCore", "PreflightNetwork", "PreflightTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightPostgresTests",
            dependencies: [
                "PreflightProbeTesting",
                "PreflightCore", "PreflightNetwork", "PreflightPostgres", "PreflightEngine", "PreflightTestSupport",
                "PreflightSCRAM",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightMySQLTests",
            dependencies: [
                "PreflightProbeTesting",
                "PreflightCore", "PreflightMySQL", "PreflightEngine", "PreflightTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightMongoTests",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                "PreflightCore", "PreflightNetwork", "PreflightMongo", "PreflightEngine", "PreflightTestSupport",
                "PreflightProbeTesting", "PreflightSCRAM",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightSSHTests",
            dependencies: [
                "PreflightCore", "PreflightNetwork", "PreflightSSH", "PreflightEngine", "PreflightTestSupport",
                "PreflightProbes",
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightStoreTests",
            dependencies: [
                "PreflightStore", "PreflightTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightServerTests",
            dependencies: [
                .product(name: "NIOPosix", package: "swift-nio"),
                "PreflightSSH",
                "PreflightCore", "PreflightEngine", "PreflightStore", "PreflightServer", "PreflightTestSupport",
                "PreflightNetwork", "PreflightProbes", "PreflightProbeTesting", "PreflightServices",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightHTTPTests",
            dependencies: [
                "PreflightCore", "PreflightNetwork", "PreflightEngine", "PreflightTestSupport", "PreflightHTTP",
                "PreflightProbeTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightAWSTests",
            dependencies: [
                "PreflightProbeTesting",
                "PreflightCore", "PreflightEngine", "PreflightTestSupport", "PreflightAWS",
                "PreflightHTTP",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightGoogleTests",
            dependencies: [
                "PreflightProbeTesting",
                "PreflightCore", "PreflightEngine", "PreflightTestSupport", "PreflightGoogle",
                "PreflightHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightSnowflakeTests",
            dependencies: [
                "PreflightProbeTesting",
                "PreflightCore", "PreflightEngine", "PreflightTestSupport", "PreflightSnowflake",
                "PreflightHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightDatabricksTests",
            dependencies: [
                "PreflightProbeTesting",
                "PreflightCore", "PreflightEngine", "PreflightTestSupport", "PreflightDatabricks",
                "PreflightHTTP",

            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightClickHouseTests",
            dependencies: [
                "PreflightProbeTesting",
                "PreflightCore", "PreflightEngine", "PreflightTestSupport", "PreflightClickHouse",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightMotherDuckTests",
            dependencies: [
                "PreflightProbeTesting",
                "PreflightCore", "PreflightEngine", "PreflightTestSupport", "PreflightMotherDuck",
                "PreflightHTTP",

            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightEventsAPITests",
            dependencies: [
                "PreflightProbeTesting",
                "PreflightCore", "PreflightEngine", "PreflightEventsAPI",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightRedisTests",
            dependencies: [
                "PreflightProbeTesting",
                "PreflightCore", "PreflightEngine", "PreflightTestSupport", "PreflightRedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightOracleTests",
            dependencies: [
                "PreflightProbeTesting",
                "PreflightCore", "PreflightEngine", "PreflightTestSupport", "PreflightOracle",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightKeyspacesTests",
            dependencies: [
                "PreflightProbeTesting",
                "PreflightCore", "PreflightEngine", "PreflightTestSupport", "PreflightKeyspaces", "PreflightAWS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PreflightMSSQLTests",
            dependencies: [
                "PreflightProbeTesting",
                "PreflightCore", "PreflightEngine", "PreflightTestSupport", "PreflightMSSQL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The engine and leak checks every connector test target uses.
        .target(
            name: "PreflightProbeTesting",
            dependencies: ["PreflightCore", "PreflightEngine", "PreflightNetwork"],
            path: "Tests/PreflightProbeTesting",
            swiftSettings: swiftSettings
        ),
        // Hostile peers and test-environment helpers shared by the test targets.
        .target(
            name: "PreflightTestSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Tests/PreflightTestSupport",
            swiftSettings: swiftSettings
        ),
    ]
)
