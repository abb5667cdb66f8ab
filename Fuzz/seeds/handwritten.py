#!/usr/bin/env python3
"""Writes the hand-written seeds into Fuzz/seeds/<target>/seed-*: well-formed messages of each
protocol and edge cases (length prefixes at their limits, split packets, compression pointers).
Run once; `scripts/fuzz.sh` minimises the corpus afterwards (a seed may then be replaced by a
smaller input covering the same code)."""
import base64
import os
import struct
import subprocess
import tempfile

CORPUS = os.path.dirname(os.path.abspath(__file__))


def save(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, "seed-" + name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def frame(payload, seq):
    return struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload


# MySQL
greeting = (b"\x0a8.0.36\x00" + struct.pack("<I", 7) + b"abcdefgh\x00" + struct.pack("<H", 0xFFFF) + b"\x2d"
            + struct.pack("<H", 2) + struct.pack("<H", 0xDFFF) + b"\x15" + b"\x00" * 10 + b"ijklmnopqrst\x00"
            + b"caching_sha2_password\x00")
ok = b"\x00\x00\x00\x02\x00\x00\x00"
err = b"\xff\x15\x04#28000Access denied for user 'x'@'localhost' (using password: YES)"
row = b"\x05hello\xfb\xfc\x03\x00abc\xfd\x01\x00\x00z"
save("FuzzMySQLPackets", "greeting", b"\x00" + frame(greeting, 0))
save("FuzzMySQLPackets", "ok-err", b"\x04" + frame(ok, 2) + frame(err, 3))
save("FuzzMySQLPackets", "resultset", b"\x00" + frame(b"\x01", 1) + frame(b"\x03def\x00\x00\x00\x01a\x00\x0c\x21\x00\x00\x00\x00\xfd\x00\x00\x00\x00\x00", 2)
     + frame(row, 3) + frame(b"\xfe\x00\x00\x02\x00", 4))
save("FuzzMySQLPackets", "header-only-huge", b"\x00\xff\xff\xff\x00")
save("FuzzMySQLPackets", "split-packet", b"\x01\xff\xff\xff\x00" + b"A" * 64 + b"\x00\x00\x00\x01")
save("FuzzMySQLPackets", "greeting-v9", b"\x00" + frame(b"\x095.0.1\x00" + b"\x01\x00\x00\x00scramble", 0))
save("FuzzMySQLPackets", "lenenc-8", b"\x00" + frame(b"\xfe\xff\xff\xff\xff\xff\xff\xff\x7f", 1))
# MySQL auth: seed byte 0x01 = caching_sha2, no TLS, with a password; 0x09 = the same over TLS.
save("FuzzMySQLAuth", "fast-auth-ok", b"\x01" + frame(b"\x01\x03", 2) + frame(ok, 3))
save("FuzzMySQLAuth", "full-auth-tls", b"\x09" + frame(b"\x01\x04", 2) + frame(ok, 4))
save("FuzzMySQLAuth", "err", b"\x00" + frame(err, 2))
save("FuzzMySQLAuth", "switch-ed25519", b"\x00" + frame(b"\xfeclient_ed25519\x00" + b"n" * 32, 2) + frame(ok, 4))
save("FuzzMySQLAuth", "switch-clear", b"\x00" + frame(b"\xfemysql_clear_password\x00", 2) + frame(ok, 4))
save("FuzzMySQLAuth", "old-password", b"\x00" + frame(b"\xfe", 2))
with tempfile.TemporaryDirectory() as tmp:
    key = os.path.join(tmp, "k.pem")
    subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True)
    public = subprocess.run(["openssl", "rsa", "-in", key, "-pubout"], check=True, capture_output=True).stdout
    save("FuzzMySQLAuth", "rsa-key-requested", b"\x01" + frame(b"\x01\x04", 2) + frame(b"\x01" + public, 4) + frame(ok, 6))
    pkcs8 = open(key, "rb").read()
    # Throwaway keys, generated here for the fuzz corpus only.
    der = subprocess.run(["openssl", "pkcs8", "-topk8", "-nocrypt", "-in", key, "-outform", "DER"], check=True,
                         capture_output=True).stdout
    save("FuzzSSHKeys", "rsa-pkcs8-der", b"\x02" + der)
    save("FuzzSSHKeys", "rsa-pem-text", b"\x00" + subprocess.run(["openssl", "pkcs8", "-topk8", "-nocrypt", "-in", key], check=True, capture_output=True).stdout)
    for kind, bits in [("ed25519", None), ("ecdsa", "256"), ("ecdsa", "384"), ("ecdsa", "521")]:
        path = os.path.join(tmp, f"id_{kind}{bits or ''}")
        cmd = ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", "fuzz-seed", "-f", path] + (["-b", bits] if bits else [])
        subprocess.run(cmd, check=True)
        text = open(path).read()
        body = "".join(text.strip().splitlines()[1:-1])
        save("FuzzSSHKeys", f"openssh-{kind}{bits or ''}-binary", b"\x01" + base64.b64decode(body))
        pub = open(path + ".pub").read().split()[1]
        save("FuzzSSHKeys", f"authorized-{kind}{bits or ''}", b"\x03" + base64.b64decode(pub))
        if kind == "ed25519":
            save("FuzzSSHKeys", "openssh-ed25519-text", b"\x00" + text.encode())
save("FuzzSSHKeys", "escaped-newlines", b"\x00-----BEGIN PRIVATE KEY-----\\nMIIB\\n-----END PRIVATE KEY-----")


# BSON / OP_MSG
def cstring(s):
    return s.encode() + b"\x00"


def bson(elements):
    body = b"".join(elements)
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


def el(kind, key, value):
    return bytes([kind]) + cstring(key) + value


def bstr(s):
    b = s.encode() + b"\x00"
    return struct.pack("<i", len(b)) + b


hello_reply = bson([
    el(0x08, "isWritablePrimary", b"\x01"), el(0x10, "maxWireVersion", struct.pack("<i", 21)),
    el(0x02, "setName", bstr("rs0")), el(0x04, "hosts", bson([el(0x02, "0", bstr("a:27017")), el(0x02, "1", bstr("b:27017"))])),
    el(0x01, "ok", struct.pack("<d", 1.0)), el(0x12, "localTime", struct.pack("<q", 1700000000000)),
    el(0x07, "electionId", b"\x7f" * 12), el(0x03, "topologyVersion", bson([el(0x07, "processId", b"\x01" * 12), el(0x12, "counter", struct.pack("<q", 6))])),
    el(0x05, "speculativeAuthenticate", struct.pack("<i", 3) + b"\x00abc"), el(0x09, "t", struct.pack("<q", 1)),
    el(0x11, "ts", struct.pack("<Q", 7)), el(0x0A, "n", b""), el(0x13, "d128", b"\x00" * 16), el(0x0B, "re", cstring("a.*") + cstring("i")),
    el(0x0D, "code", bstr("function(){}")), el(0xFF, "min", b""), el(0x7F, "max", b""), el(0x06, "undef", b""),
])
error_reply = bson([el(0x01, "ok", struct.pack("<d", 0.0)), el(0x02, "errmsg", bstr("Authentication failed.")),
                    el(0x10, "code", struct.pack("<i", 18)), el(0x02, "codeName", bstr("AuthenticationFailed"))])


def op_msg(doc, request_id=1, response_to=7, flags=0, extra=b""):
    body = struct.pack("<I", flags) + b"\x00" + doc + extra
    return struct.pack("<iiii", 16 + len(body), request_id, response_to, 2013) + body


def op_reply(doc):
    body = struct.pack("<iqii", 0, 0, 0, 1) + doc
    return struct.pack("<iiii", 16 + len(body), 1, 7, 1) + body


save("FuzzMongoWire", "op-msg-hello", op_msg(hello_reply))
save("FuzzMongoWire", "op-msg-error", op_msg(error_reply))
save("FuzzMongoWire", "op-msg-more-to-come-sequence", op_msg(error_reply, flags=2, extra=b"\x01" + struct.pack("<i", 4 + 6 + len(error_reply)) + cstring("docs!") + error_reply))
save("FuzzMongoWire", "op-reply", op_reply(hello_reply))
save("FuzzMongoWire", "bson-only", hello_reply)
save("FuzzMongoWire", "legacy-err", bson([el(0x02, "$err", bstr("not master")), el(0x10, "code", struct.pack("<i", 10107))]))
save("FuzzMongoWire", "length-too-large", struct.pack("<iiii", 0x7fffffff, 1, 7, 2013))
save("FuzzMongoWire", "deep", bson([el(0x03, "a", bson([el(0x03, "b", bson([el(0x04, "c", bson([el(0x10, "0", b"\x01\x00\x00\x00")]))]))]))]))


# DNS
def name(n):
    return b"".join(bytes([len(p)]) + p.encode() for p in n.split(".")) + b"\x00"


def dns(qname, qtype, answers, flags=0x8180, ancount=None, extra=b"", arcount=0):
    head = struct.pack(">HHHHHH", 0x1234, flags, 1, ancount if ancount is not None else len(answers), 0, arcount)
    return head + name(qname) + struct.pack(">HH", qtype, 1) + b"".join(answers) + extra


def rr(owner, rtype, rdata, ttl=60):
    return owner + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


srv = lambda prio, weight, port, target: struct.pack(">HHH", prio, weight, port) + target
save("FuzzDNS", "srv-compressed", dns("_mongodb._tcp.cluster0.example.net", 33, [
    rr(b"\xc0\x0c", 33, srv(0, 0, 27017, b"\x05shard\xc0\x1a")),
    rr(b"\xc0\x0c", 33, srv(0, 0, 27017, name("shard-01.cluster0.example.net"))),
]))
save("FuzzDNS", "txt", dns("cluster0.example.net", 16, [rr(b"\xc0\x0c", 16, b"\x2bauthSource=admin&replicaSet=atlas-abc-shard-0\x05other")]))
save("FuzzDNS", "nxdomain", dns("nothing.example", 33, [], flags=0x8183))
save("FuzzDNS", "pointer-loop", dns("a.example", 33, [rr(b"\xc0\x2a", 33, srv(1, 1, 1, b"\xc0\x2a"))]))
save("FuzzDNS", "a-aaaa-cname", dns("x.example", 1, [rr(b"\xc0\x0c", 5, name("y.example")), rr(b"\xc0\x0c", 1, b"\x7f\x00\x00\x01"),
                                                     rr(b"\xc0\x0c", 28, b"\x00" * 15 + b"\x01")]))
save("FuzzDNS", "truncated-flag", dns("x.example", 33, [], flags=0x8380))
save("FuzzDNS", "count-lies", dns("x.example", 33, [], ancount=0xFFFF))

# JSON / XML bodies
save("FuzzJSON", "aws-xml", "<?xml version=\"1.0\"?><ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature &amp; the &lt;key&gt;</Message></Error><RequestId>abc</RequestId></ErrorResponse>")
save("FuzzJSON", "s3-xml", "<Error><Code>PermanentRedirect</Code><Message>Use the endpoint</Message><Endpoint>b.s3.eu-west-1.amazonaws.com</Endpoint><BucketRegion>eu-west-1</BucketRegion></Error>")
save("FuzzJSON", "aws-json", "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\",\"message\":\"Requested resource not found\"}")
save("FuzzJSON", "snowflake", "{\"code\":390144,\"message\":\"JWT token is invalid.\",\"success\":false,\"data\":{\"nextAction\":null}}")
save("FuzzJSON", "google-token", "{\"access_token\":\"ya29.x\",\"expires_in\":3599,\"token_type\":\"Bearer\",\"scope\":[1.5e300,-0,true,null,\"\\u00e9\\ud83d\\ude00\"]}")
save("FuzzJSON", "deep", "[" * 300 + "]" * 300)
save("FuzzJSON", "bad-escape", "{\"a\":\"\\uD800\\x\"}")
save("FuzzJSON", "html", "<html><body><h1>502 Bad Gateway</h1></body></html>")

# HTTP responses (the first byte 0: GET, large body limit, one read)
save("FuzzHTTPResponse", "chunked-json", b"\x00HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"ok\":1\r\n1\r\n}\r\n0\r\n\r\n")
save("FuzzHTTPResponse", "continue-then-403", b"\x04HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 403 Forbidden\r\nContent-Length: 21\r\nx-amzn-ErrorType: AccessDenied\r\n\r\n{\"message\":\"denied\"}")
save("FuzzHTTPResponse", "head-with-length", b"\x02HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
save("FuzzHTTPResponse", "body-over-limit", b"\x01HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n" + b"x" * 64)
save("FuzzHTTPResponse", "close-delimited", b"\x00HTTP/1.0 500 Internal Server Error\r\nConnection: close\r\n\r\n<html>oops</html>")
save("FuzzHTTPResponse", "not-http", b"\x00SSH-2.0-OpenSSH_9.6\r\n")

# First bytes
for n, data in [("pg-S", b"S"), ("pg-N", b"N"), ("pg-error", b"E\x00\x00\x00\x50SFATAL\x00C28000\x00Mno\x00\x00"),
                ("tls-alert", b"\x15\x03\x01\x00\x02\x02\x46"), ("smtp", b"220 mail.example ESMTP\r\n"),
                ("mysql-error-short", b"\x02\x00\x00\x00\xff\x10"), ("mysql-error", b"\x17\x00\x00\x00\xff\x6a\x04Host is blocked here"),
                ("binary", bytes(range(256)))]:
    save("FuzzSniffer", n, b"\x00" + data)

# RESP (RESP2 and RESP3 replies)
for n, data in [
    ("simple-ok", b"+OK\r\n"), ("error-noauth", b"-NOAUTH Authentication required.\r\n"), ("integer", b":1000\r\n"),
    ("bulk", b"$5\r\nhello\r\n"), ("bulk-null", b"$-1\r\n"), ("array", b"*2\r\n$3\r\nfoo\r\n:42\r\n"),
    ("hello-map", b"%3\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.4\r\n$5\r\nproto\r\n:3\r\n"),
    ("resp3-scalars", b",3.14\r\n#t\r\n_\r\n(12345678901234567890\r\n=15\r\ntxt:Some string\r\n!21\r\nSYNTAX invalid syntax\r\n"),
    ("attribute", b"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:1\r\n"),
    ("push-set", b">2\r\n+message\r\n$3\r\nhi!\r\n~2\r\n+a\r\n+b\r\n"),
    ("info-bulk", b"$60\r\n# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\nos:Linux\r\n\r\n"),
    ("deep", b"*1\r\n" * 9 + b":1\r\n"), ("huge-bulk-length", b"$999999999999999999\r\n"),
]:
    save("FuzzRESP", n, data)
