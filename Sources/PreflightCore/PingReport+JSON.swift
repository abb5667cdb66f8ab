extension PingReport {
    /// The report as `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` writes it (nil
    /// fields left out), without `Encodable`'s containers.
    public func write(to json: inout JSONWriter) {
        var first = true
        json.raw("{")
        json.field("agent", agent, first: &first)
        json.field("category", category?.rawValue, first: &first)
        json.key("checks", first: &first)
        json.array(checks) { json, check in check.write(to: &json) }
        json.key("dataPlane", first: &first)
        json.string(dataPlane)
        json.key("durationMs", first: &first)
        json.number(durationMs)
        json.field("hint", hint, first: &first)
        json.field("message", message, first: &first)
        json.key("ok", first: &first)
        json.bool(ok)
        json.key("steps", first: &first)
        json.array(steps) { json, step in step.write(to: &json) }
        if let target {
            json.key("target", first: &first)
            target.write(to: &json)
        }
        json.field("transient", transient, first: &first)
        json.key("type", first: &first)
        json.string(type.rawValue)
        json.raw("}")
    }
}

extension PingStep {
    func write(to json: inout JSONWriter) {
        var first = true
        json.raw("{")
        json.field("detail", detail, first: &first)
        json.key("durationMs", first: &first)
        json.number(durationMs)
        json.field("hint", hint, first: &first)
        json.field("name", name, first: &first)
        json.field("status", status.rawValue, first: &first)
        json.raw("}")
    }
}

extension ReadinessCheck {
    func write(to json: inout JSONWriter) {
        var first = true
        json.raw("{")
        json.field("detail", detail, first: &first)
        json.field("fix", fix, first: &first)
        json.field("name", name, first: &first)
        json.field("observed", observed, first: &first)
        json.field("required", required, first: &first)
        json.field("restartRequired", restartRequired, first: &first)
        json.field("status", status.rawValue, first: &first)
        json.raw("}")
    }
}

extension PingTarget {
    func write(to json: inout JSONWriter) {
        var first = true
        json.raw("{")
        json.key("addresses", first: &first)
        json.array(addresses) { json, address in json.string(address) }
        json.field("connectedAddress", connectedAddress, first: &first)
        json.field("host", host, first: &first)
        if let port {
            json.key("port", first: &first)
            json.number(port)
        }
        json.raw("}")
    }
}
