import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PreflightCore

/// `GET /connector-types`: every connector type and its `sharedConfig` keys, as the factories describe
/// them (`ConnectorTypeList` in openapi.yaml). Needs no key: it is the README's table, served. Encoded
/// once, when the server starts.
struct ConnectorTypesRoute: Sendable {
    private let body: ByteBuffer

    init(catalog: [ConnectorDescription]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(["connectorTypes": catalog])) ?? Data(#"{"connectorTypes":[]}"#.utf8)
        body = ByteBuffer(bytes: data)
    }

    func response() -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: body))
    }
}
