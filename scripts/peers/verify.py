#!/usr/bin/env python3
"""Independent checks of what Preflight put on the wire, for the Swift tests' scripted peers.

The Swift peers record what arrived; this script re-checks it with code that is not Preflight's:
SigV4 recomputed with hmac/hashlib (and first checked against AWS's published example), RS256 JWTs
verified with `cryptography` after a strict base64url decode (no padding), MongoDB messages decoded
with pymongo's `bson`, Redis commands parsed with redis-py's parser and re-packed with its serializer.

    python3 scripts/peers/verify.py KIND INPUT.json

KIND is sigv4, jwt, mongo or resp; INPUT.json holds what to check (see each function). The answer,
on standard output, is JSON: {"results": [{"ok": true|false, "problem": "...", ...}, ...]}, one per
item, in order. The exit code is 0 whenever the input could be read, whatever the verdicts.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
import sys
import urllib.parse


# ----------------------------------------------------------------------------------------- SigV4

def _sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def _hmac(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def _uri_encode(text, safe):
    return urllib.parse.quote(text, safe=safe)


def _sigv4_signature(secret, amz_date, region, service, canonical_request):
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, _sha256_hex(canonical_request.encode("utf-8"))])
    key = _hmac(("AWS4" + secret).encode("utf-8"), amz_date[:8])
    key = _hmac(key, region)
    key = _hmac(key, service)
    key = _hmac(key, "aws4_request")
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _canonical_request(method, raw_path, headers, signed, payload_hash, service):
    path, _, raw_query = raw_path.partition("?")
    if not path:
        path = "/"
    # S3 signs the path as sent; every other service signs it encoded once more (botocore's rule).
    canonical_uri = path if service == "s3" else _uri_encode(path, safe="/~")
    pairs = []
    for piece in raw_query.split("&") if raw_query else []:
        name, _, value = piece.partition("=")
        pairs.append((_uri_encode(urllib.parse.unquote(name), safe="-_.~"),
                      _uri_encode(urllib.parse.unquote(value), safe="-_.~")))
    canonical_query = "&".join(f"{n}={v}" for n, v in sorted(pairs))
    lines = []
    for name in signed:
        values = [v for (n, v) in headers if n.lower() == name]
        if not values:
            raise ValueError(f"signed header {name} is missing")
        lines.append(name + ":" + ",".join(re.sub(r"\s+", " ", v.strip()) for v in values) + "\n")
    return "\n".join([method, canonical_uri, canonical_query, "".join(lines), ";".join(signed), payload_hash])


def _sigv4_selftest():
    """AWS's published SigV4 example (IAM ListUsers, 2015-08-30): proves this verifier, not Preflight."""
    headers = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
               ("Host", "iam.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")]
    canonical = _canonical_request("GET", "/?Action=ListUsers&Version=2010-05-08", headers,
                                   ["content-type", "host", "x-amz-date"], _sha256_hex(b""), "iam")
    assert _sha256_hex(canonical.encode()) == "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    signature = _sigv4_signature("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830T123600Z", "us-east-1",
                                 "iam", canonical)
    assert signature == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7", signature


def _sigv4_one(request, secret, session_token):
    headers = [(n, v) for n, v in request["headers"]]
    body = base64.b64decode(request.get("body", ""))

    def header(name):
        return next((v for n, v in headers if n.lower() == name), None)

    authorization = header("authorization")
    if authorization is None:
        return {"ok": False, "problem": "no Authorization header"}
    match = re.fullmatch(
        r"AWS4-HMAC-SHA256 Credential=([^,/]+)/(\d{8})/([^,/]+)/([^,/]+)/aws4_request, "
        r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})", authorization)
    if match is None:
        return {"ok": False, "problem": f"malformed Authorization: {authorization[:60]}"}
    key_id, day, region, service, signed_text, signature = match.groups()
    signed = signed_text.split(";")
    if signed != sorted(signed) or "host" not in signed:
        return {"ok": False, "problem": "SignedHeaders not sorted or without host"}
    amz_date = header("x-amz-date")
    if amz_date is None or not re.fullmatch(r"\d{8}T\d{6}Z", amz_date) or amz_date[:8] != day:
        return {"ok": False, "problem": "X-Amz-Date missing or not the scope's day"}
    if "x-amz-date" not in signed:
        return {"ok": False, "problem": "X-Amz-Date not signed"}
    payload_hash = _sha256_hex(body)
    declared = header("x-amz-content-sha256")
    if service == "s3" and declared != payload_hash:
        return {"ok": False, "problem": "X-Amz-Content-SHA256 is not the body's hash"}
    if session_token is not None:
        if header("x-amz-security-token") != session_token or "x-amz-security-token" not in signed:
            return {"ok": False, "problem": "session token missing or unsigned"}
    try:
        canonical = _canonical_request(request["method"], request["path"], headers, signed, payload_hash, service)
    except ValueError as error:
        return {"ok": False, "problem": str(error)}
    expected = _sigv4_signature(secret, amz_date, region, service, canonical)
    if not hmac.compare_digest(expected, signature):
        return {"ok": False, "problem": "signature mismatch"}
    return {"ok": True, "keyID": key_id, "region": region, "service": service, "signedHeaders": signed}


def sigv4(spec):
    """spec: {"secret", "sessionToken"?, "requests": [{"method", "path" (with query), "headers": [[n, v]],
    "body" (base64)}]}."""
    _sigv4_selftest()
    return [_sigv4_one(r, spec["secret"], spec.get("sessionToken")) for r in spec["requests"]]


# ------------------------------------------------------------------------------------------- JWT

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def _b64url_strict(segment):
    """RFC 7515 base64url: the URL-safe alphabet, no padding, no whitespace."""
    if not _B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise ValueError("not unpadded base64url")
    decoded = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if base64.urlsafe_b64encode(decoded).rstrip(b"=").decode() != segment:
        raise ValueError("non-canonical base64url")
    return decoded


def _jwt_one(token, public_key):
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    parts = token.split(".")
    if len(parts) != 3:
        return {"ok": False, "problem": "not three segments"}
    try:
        header_bytes, claims_bytes, signature = (_b64url_strict(p) for p in parts)
        header = json.loads(header_bytes)
        claims = json.loads(claims_bytes)
    except (ValueError, binascii.Error) as error:
        return {"ok": False, "problem": f"undecodable: {error}"}
    if header.get("alg") != "RS256":
        return {"ok": False, "problem": f"alg {header.get('alg')}"}
    try:
        public_key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return {"ok": False, "problem": "bad signature"}
    return {"ok": True, "header": header, "claims": claims}


def jwt(spec):
    """spec: {"publicKeyPEM" (SPKI or an RSA private key's PEM), "tokens": [...]}. Each good result also carries
    the key's SHA-256 fingerprint as Snowflake writes it ("SHA256:" + base64 of the DER SubjectPublicKeyInfo)."""
    from cryptography.hazmat.primitives import serialization

    pem = spec["publicKeyPEM"].encode()
    if b"PRIVATE KEY" in pem:
        key = serialization.load_pem_private_key(pem, password=None).public_key()
    else:
        key = serialization.load_pem_public_key(pem)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
    results = []
    for token in spec["tokens"]:
        result = _jwt_one(token, key)
        if result["ok"]:
            result["keyFingerprint"] = fingerprint
        results.append(result)
    return results


# ----------------------------------------------------------------------------------------- Mongo

def _mongo_message(frame):
    import bson
    from bson import json_util

    if len(frame) < 16:
        raise ValueError("shorter than a message header")
    length = int.from_bytes(frame[0:4], "little", signed=True)
    if length != len(frame):
        raise ValueError(f"messageLength {length} but {len(frame)} bytes")
    op_code = int.from_bytes(frame[12:16], "little", signed=True)
    options = json_util.JSONOptions(json_mode=json_util.JSONMode.CANONICAL)
    if op_code == 2013:  # OP_MSG
        flags = int.from_bytes(frame[16:20], "little")
        end = len(frame) - (4 if flags & 1 else 0)
        if flags & ~0x10003:
            raise ValueError(f"unknown required flag bits {flags:#x}")
        position, body, sequences = 20, None, {}
        while position < end:
            kind = frame[position]
            position += 1
            size = int.from_bytes(frame[position:position + 4], "little", signed=True)
            if size < 5 or position + size > end:
                raise ValueError("section runs past the message")
            if kind == 0:
                if body is not None:
                    raise ValueError("two body sections")
                body = bson.decode(bytes(frame[position:position + size]))
            elif kind == 1:
                section = frame[position + 4:position + size]
                nul = section.index(0)
                sequences[section[:nul].decode()] = bson.decode_all(bytes(section[nul + 1:]))
            else:
                raise ValueError(f"section kind {kind}")
            position += size
        if body is None:
            raise ValueError("no body section")
        return {"opCode": op_code, "flags": flags, "command": next(iter(body), None),
                "document": json.loads(json_util.dumps(body, json_options=options)),
                "sequences": sorted(sequences)}
    if op_code == 2004:  # OP_QUERY
        nul = frame.index(0, 20)
        collection = frame[20:nul].decode()
        query = bson.decode_all(bytes(frame[nul + 9:]))
        if not query:
            raise ValueError("no query document")
        return {"opCode": op_code, "collection": collection, "command": next(iter(query[0]), None),
                "document": json.loads(json_util.dumps(query[0], json_options=options))}
    raise ValueError(f"opCode {op_code}")


def mongo(spec):
    """spec: {"streams": [base64 of everything one connection sent]}: one result per message, in order; a
    stream that does not split into whole messages ends with a failed result."""
    results = []
    for stream in spec["streams"]:
        data = base64.b64decode(stream)
        position = 0
        while position < len(data):
            if len(data) - position < 4:
                results.append({"ok": False, "problem": "trailing bytes"})
                break
            length = int.from_bytes(data[position:position + 4], "little", signed=True)
            if length < 16 or position + length > len(data):
                results.append({"ok": False, "problem": f"messageLength {length} runs past the stream"})
                break
            try:
                message = _mongo_message(data[position:position + length])
                message["ok"] = True
                results.append(message)
            except Exception as error:  # bson.errors.InvalidBSON, ValueError, UnicodeDecodeError...
                results.append({"ok": False, "problem": f"{type(error).__name__}: {error}"})
                break
            position += length
    return results


# ----------------------------------------------------------------------------------------- Redis

class _Replay:
    """A socket that hands redis-py's buffer the recorded bytes, then end of stream."""

    def __init__(self, data):
        self.data = data

    def recv(self, size):
        chunk, self.data = self.data[:size], self.data[size:]
        return chunk

    def settimeout(self, timeout):
        pass


def resp(spec):
    """spec: {"streams": [base64 of everything one connection sent]}: per stream, the commands as redis-py's
    RESP2 parser reads them, accepted only if redis-py's own serializer packs them back to the same bytes."""
    from redis._parsers import _RESP2Parser
    from redis._parsers.socket import SocketBuffer
    from redis.connection import PythonRespSerializer

    results = []
    for stream in spec["streams"]:
        data = base64.b64decode(stream)
        replay = _Replay(data)
        parser = _RESP2Parser(socket_read_size=65536)
        parser._buffer = SocketBuffer(replay, 65536, None)
        commands = []
        try:
            while replay.data or parser._buffer.unread_bytes() > 0:
                commands.append(parser.read_response(disable_decoding=True))
        except Exception as error:  # redis.exceptions.InvalidResponse, ConnectionError (cut short)...
            results.append({"ok": False, "problem": f"{type(error).__name__}: {error}"})
            continue
        results.append(_resp_check(data, commands, PythonRespSerializer))
    return results


def _resp_check(data, commands, serializer_type):
    serializer = serializer_type(1 << 30, lambda value: value)
    if not all(isinstance(c, list) and c and all(isinstance(a, bytes) for a in c) for c in commands):
        return {"ok": False, "problem": "not every item is an array of bulk strings"}
    repacked = b"".join(b"".join(serializer.pack(*c)) for c in commands)
    if repacked != data:
        return {"ok": False, "problem": "redis-py packs these commands to other bytes"}
    return {"ok": True, "commands": [[a.decode("utf-8", "replace") for a in c] for c in commands]}


KINDS = {"sigv4": sigv4, "jwt": jwt, "mongo": mongo, "resp": resp}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in KINDS:
        sys.exit(f"usage: verify.py {'|'.join(KINDS)} INPUT.json")
    with open(sys.argv[2], "rb") as handle:
        specification = json.load(handle)
    json.dump({"results": KINDS[sys.argv[1]](specification)}, sys.stdout)
    sys.stdout.write("\n")
