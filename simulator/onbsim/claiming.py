"""The Things Stack's End Device Claiming Server with an external Join
Server table (tts.claiming): claim info, claim, claim status and unclaim.

Rules and shapes from lorawan-stack v3.32: routes and field rules of
deviceclaimingserver.proto; pkg/deviceclaimingserver/grpc_end_devices.go
(rights: RIGHT_APPLICATION_DEVICES_WRITE of the target application for a
claim, of the device's application for status and unclaim, which look
the device up in the Identity Server; the claim answer echoes the
request's identifiers; errors claiming_not_supported, device_not_found,
no_euis); enddevices/ttjsv2/ttjs.go (how the Join Server's answers
become errors: device_access_denied for a wrong owner token or a device
claimed by another network, device_not_provisioned, device_not_claimed);
and TTS's own test double of that Join Server (ttjsv2/util_test.go: a
claim by the same claimant is accepted again)."""

import copy

from .errors import tts_error
from .tts import DEVICE_ID_RE, R_WRITE, decode_bytes, decode_object, decode_string, embedded_validation_error, \
    validation_error

DCS = 'pkg/deviceclaimingserver'
TTJS = 'pkg/deviceclaimingserver/enddevices/ttjsv2'
AUTH_CODE_PATTERN = '^[A-Z0-9]{1,32}$'


def eui_prefix(text):
    """TTS's EUI64Prefix: 'EC656E0000000000/24'."""
    value, _, length = text.partition('/')
    eui = int(decode_config_eui(value), 16)
    bits = int(length) if length.isdigit() and int(length) <= 64 else None
    if bits is None:
        raise ValueError('bad JoinEUI prefix %r (want HEX16/bits)' % text)
    return eui, bits


def decode_config_eui(value):
    if not isinstance(value, str) or len(value) != 16 or any(c not in '0123456789abcdefABCDEF' for c in value):
        raise ValueError('bad EUI %r in the claiming configuration (want 16 hex digits)' % (value,))
    return value.upper()


def expand_devices(entries):
    """Explicit devices, or ranges: {"dev_eui_from", "count", "join_eui",
    "owner_token_prefix"} gives `count` devices from that DevEUI upwards,
    each with the owner token prefix + DevEUI."""
    devices = {}
    for entry in entries:
        if 'dev_eui_from' in entry:
            first = int(decode_config_eui(entry['dev_eui_from']), 16)
            expanded = [{'dev_eui': '%016X' % (first + i), 'join_eui': entry['join_eui'],
                         'owner_token': entry['owner_token_prefix'] + '%016X' % (first + i),
                         'claimed_elsewhere': entry.get('claimed_elsewhere', False)}
                        for i in range(entry['count'])]
        else:
            expanded = [entry]
        for device in expanded:
            dev_eui = decode_config_eui(device['dev_eui'])
            token = device['owner_token']
            if not isinstance(token, str) or not token or len(token) > 32 or not token.isalnum() \
                    or token != token.upper():
                raise ValueError('claiming device %s: owner_token must match %s' % (dev_eui, AUTH_CODE_PATTERN))
            devices[dev_eui] = {'join_eui': decode_config_eui(device['join_eui']), 'owner_token': token,
                                'claimed_elsewhere': bool(device.get('claimed_elsewhere', False))}
    return devices


def check_claiming(claiming):
    """Configuration check, naming the bad entry."""
    for server in claiming.get('join_servers', []):
        for prefix in server.get('join_eui_prefixes', []):
            eui_prefix(prefix)
    expand_devices(claiming.get('devices', []))
    net_id = claiming.get('home_net_id', '000013')
    if not isinstance(net_id, str) or len(net_id) != 6:
        raise ValueError('claiming home_net_id must be 6 hex digits')


class ClaimingServer:
    def __init__(self, config, tts):
        self.tts = tts
        claiming = config['tts'].get('claiming', {})
        self.prefixes = [eui_prefix(p) for s in claiming.get('join_servers', []) for p in s['join_eui_prefixes']]
        self.devices = expand_devices(claiming.get('devices', []))
        self.home_net_id = claiming.get('home_net_id', '000013').upper()
        self.reset()

    def reset(self):
        # DevEUI -> what this cluster claimed (the Join Server knows only
        # the claimant; the application and device ID are kept for tests).
        self.claims = {}

    def describe(self):
        return copy.deepcopy(self.claims)

    def routes(self):
        dev = r'/api/v3/edcs/claim/(?P<app>[^/]+)/devices/(?P<dev>[^/]+)'
        return [
            ('POST', r'/api/v3/edcs/claim/info', 'tts.edcs.info', self.info),
            ('POST', r'/api/v3/edcs/claim', 'tts.edcs.claim', self.claim),
            ('GET', dev, 'tts.edcs.status', self.status),
            ('DELETE', dev, 'tts.edcs.unclaim', self.unclaim),
        ]

    def supports(self, join_eui):
        """Whether a configured Join Server's JoinEUI prefixes cover it."""
        value = int(join_eui, 16)
        return any(value >> (64 - bits) == prefix >> (64 - bits) for prefix, bits in self.prefixes)

    def not_supported(self, join_eui):
        return tts_error(10, DCS, 'claiming_not_supported', 'claiming not supported for JoinEUI `{eui}`',
                         {'eui': join_eui})

    def access_denied(self, dev_eui):
        return tts_error(3, TTJS, 'device_access_denied',
                         'access to device with `{dev_eui}` denied: device is already claimed or the owner token '
                         'is invalid', {'dev_eui': dev_eui})

    # --- the four calls ----------------------------------------------------

    def info(self, req):
        body = req.json()
        decode_object(body, ['join_eui'], 'GetInfoByJoinEUIRequest')
        join_eui = decode_bytes(body['join_eui'], 8, 'join_eui') if 'join_eui' in body else '0' * 16
        # No rights needed; false is left out of the answer.
        answer = {'join_eui': join_eui}
        if self.supports(join_eui):
            answer['supports_claiming'] = True
        return 200, answer

    def claim(self, req):
        body = req.json()
        decode_object(body, ['authenticated_identifiers', 'qr_code', 'target_application_ids', 'target_device_id'],
                      'ClaimEndDeviceRequest')
        ids = body.get('authenticated_identifiers')
        if ids is not None:
            decode_object(ids, ['join_eui', 'dev_eui', 'authentication_code'],
                          'ClaimEndDeviceRequest.AuthenticatedIdentifiers')
            join_eui = decode_bytes(ids['join_eui'], 8, 'join_eui') if 'join_eui' in ids else '0' * 16
            dev_eui = decode_bytes(ids['dev_eui'], 8, 'dev_eui') if 'dev_eui' in ids else '0' * 16
            code = decode_string(ids.get('authentication_code', ''), 'authentication_code')
        target = body.get('target_application_ids')
        if target is not None:
            decode_object(target, ['application_id'], 'ApplicationIdentifiers')
        device_id = decode_string(body.get('target_device_id', ''), 'target_device_id')
        # The validator: ClaimEndDeviceRequest's field rules.
        if target is None:
            raise validation_error('target_application_ids', 'value is required')
        app = decode_string(target.get('application_id', ''), 'application_id')
        self.tts.check_device_id(app, 'application_id', embedded_in='target_application_ids')
        if device_id and (len(device_id) > 36 or not DEVICE_ID_RE.match(device_id)):
            raise validation_error('target_device_id', 'value does not match regex pattern "%s|^$"'
                                   % DEVICE_ID_RE.pattern)
        if ids is None and 'qr_code' not in body:
            raise validation_error('source_device', 'value is required')
        if ids is not None:
            if not code or len(code) > 32 or not code.isalnum() or code != code.upper() or not code.isascii():
                raise embedded_validation_error('authenticated_identifiers', 'authentication_code',
                                                'value does not match regex pattern "%s"' % AUTH_CODE_PATTERN)
        self.tts.require(req, app, R_WRITE)
        if ids is None:
            # Assumed: the simulator does not parse QR codes (Onboarder sends
            # the label's identifiers); refused as unreadable QR data.
            raise tts_error(3, DCS, 'qr_code_data', 'invalid QR code data')
        if not self.supports(join_eui):
            raise self.not_supported(join_eui)
        device = self.devices.get(dev_eui)
        if device is None:
            raise tts_error(5, TTJS, 'device_not_provisioned', 'device with EUI `{dev_eui}` not provisioned',
                            {'dev_eui': dev_eui})
        if device['claimed_elsewhere'] or device['owner_token'] != code:
            raise self.access_denied(dev_eui)
        self.claims[dev_eui] = {'join_eui': join_eui, 'application_id': app, 'device_id': device_id,
                                'home_net_id': self.home_net_id}
        answer = {'application_ids': {'application_id': app}, 'dev_eui': dev_eui, 'join_eui': join_eui}
        if device_id:
            answer['device_id'] = device_id
        return 200, answer

    def claimed_device(self, req, app, dev):
        """Status and unclaim: the IS record's EUIs, then the Join Server."""
        self.tts.check_device_id(app, 'application_id', embedded_in='application_ids')
        self.tts.check_device_id(dev, 'device_id')
        self.tts.require(req, app, R_WRITE)
        record = self.tts.records['is'].get((app, dev))
        if record is None:
            raise tts_error(5, DCS, 'device_not_found', 'device not found')
        ids = record['ids']
        if 'dev_eui' not in ids or 'join_eui' not in ids:
            raise tts_error(9, DCS, 'no_euis', 'DevEUI/JoinEUI not set for device')
        if not self.supports(ids['join_eui']):
            raise self.not_supported(ids['join_eui'])
        device = self.devices.get(ids['dev_eui'])
        if device is not None and device['claimed_elsewhere']:
            raise self.access_denied(ids['dev_eui'])
        if device is None or ids['dev_eui'] not in self.claims:
            raise tts_error(5, TTJS, 'device_not_claimed', 'device with EUI `{dev_eui}` not claimed',
                            {'dev_eui': ids['dev_eui']})
        return ids

    def status(self, req, app, dev):
        ids = self.claimed_device(req, app, dev)
        return 200, {'end_device_ids': copy.deepcopy(ids),
                     'home_net_id': self.claims[ids['dev_eui']]['home_net_id']}

    def unclaim(self, req, app, dev):
        ids = self.claimed_device(req, app, dev)
        del self.claims[ids['dev_eui']]
        return 200, {}
