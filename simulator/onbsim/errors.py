"""Error bodies in the exact shapes the real servers send."""

import json
import secrets

# gRPC code -> HTTP status, as grpc-gateway maps them.
GRPC_HTTP = {3: 400, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 13: 500, 14: 503, 16: 401}


class ApiError(Exception):
    """An answer other than success. `reason` is what the admin state shows
    under rejected requests."""

    def __init__(self, status, body, reason, headers=None, message=None):
        super().__init__(reason)
        self.status = status
        self.body = body
        self.reason = reason
        self.headers = headers or {}
        self.message = message or reason


def _format(message_format, attributes):
    text = message_format
    for key, value in attributes.items():
        if isinstance(value, list):
            value = '[' + ' '.join(str(v) for v in value) + ']'
        text = text.replace('{%s}' % key, str(value))
    return text


def tts_error(grpc_code, namespace, name, message_format, attributes=None, headers=None):
    """TTS: {"code", "message": "error:<ns>:<name> (<text>)", "details":
    [ErrorDetails]}."""
    attributes = attributes or {}
    correlation_id = secrets.token_hex(16)
    body = {
        'code': grpc_code,
        'message': 'error:%s:%s (%s)' % (namespace, name, _format(message_format, attributes)),
        'details': [{
            '@type': 'type.googleapis.com/ttn.lorawan.v3.ErrorDetails',
            'namespace': namespace,
            'name': name,
            'message_format': message_format,
            'attributes': attributes,
            'correlation_id': correlation_id,
            'code': grpc_code,
        }],
    }
    if not attributes:
        del body['details'][0]['attributes']
    return ApiError(GRPC_HTTP[grpc_code], body, name, headers, body['message'])


def tts_decode_error(text):
    """JSON decoding fails before TTS builds an error with details: the
    gateway answers code 3 with an empty details list."""
    return ApiError(400, {'code': 3, 'message': text, 'details': []}, 'json_decode', message=text)


def blynk_error(status, message, headers=None, reason=None):
    return ApiError(status, {'error': {'message': message}}, reason or message, headers, message)


def oauth_error(status, error, description, headers=None):
    """RFC 6749 §5.2."""
    return ApiError(status, {'error': error, 'error_description': description}, error, headers, description)


def encode(body):
    return json.dumps(body, separators=(',', ':')).encode('utf-8')
