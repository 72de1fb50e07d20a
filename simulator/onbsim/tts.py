"""The Things Stack v3 HTTP API: Identity, Join, Network and Application
Server end-device registries, auth_info and the frequency-plan list, as
strict as the real servers."""

import copy
import datetime
import json
import re

from .errors import tts_decode_error, tts_error

DEVICE_ID_RE = re.compile(r'^[a-z0-9](?:[-]?[a-z0-9]){2,}$')
HEX_RE = re.compile(r'^[0-9A-Fa-f]*$')
# ttnpb's address rule: host[:port], no scheme, or empty.
ADDRESS_RE = re.compile(
    r'^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])\.)*'
    r'(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\-]*[A-Za-z0-9])(?::[0-9]{1,5})?$|^$')

MAC_VERSIONS = {'MAC_UNKNOWN': 0, 'MAC_V1_0': 1, 'MAC_V1_0_1': 2, 'MAC_V1_0_2': 3,
                'MAC_V1_1': 4, 'MAC_V1_0_3': 5, 'MAC_V1_0_4': 6}
MAC_DOTTED = {'1.0': 1, '1.0.0': 1, '1.0.1': 2, '1.0.2': 3, '1.1': 4, '1.1.0': 4, '1.0.3': 5, '1.0.4': 6}
# The first name of each number is the one TTS answers with.
PHY_VERSIONS = [('PHY_UNKNOWN', 0), ('PHY_V1_0', 1), ('TS001_V1_0', 1), ('PHY_V1_0_1', 2),
                ('TS001_V1_0_1', 2), ('PHY_V1_0_2_REV_A', 3), ('RP001_V1_0_2', 3),
                ('PHY_V1_0_2_REV_B', 4), ('RP001_V1_0_2_REV_B', 4), ('PHY_V1_1_REV_A', 5),
                ('RP001_V1_1_REV_A', 5), ('PHY_V1_1_REV_B', 6), ('RP001_V1_1_REV_B', 6),
                ('PHY_V1_0_3_REV_A', 7), ('RP001_V1_0_3_REV_A', 7), ('RP002_V1_0_0', 8),
                ('RP002_V1_0_1', 9), ('RP002_V1_0_2', 10), ('RP002_V1_0_3', 11), ('RP002_V1_0_4', 12)]
PHY_BY_NAME = dict(PHY_VERSIONS)
PHY_NAME = {}
for _name, _number in PHY_VERSIONS:
    PHY_NAME.setdefault(_number, _name)
MAC_NAME = {v: k for k, v in MAC_VERSIONS.items()}
PHY_DOTTED = {'1.0': 1, '1.0.0': 1, '1.0.1': 2, '1.0.2-a': 3, '1.0.2-b': 4, '1.1-a': 5,
              '1.1-b': 6, '1.0.3-a': 7}
# Regional-parameters revisions each LoRaWAN MAC version is specified with.
MAC_PHY_COMPATIBLE = {1: {1}, 2: {2}, 3: {3, 4}, 5: {7}, 6: {8, 9, 10, 11, 12},
                      4: {5, 6, 8, 9, 10, 11, 12}}

END_DEVICE_FIELDS = {
    'activated_at', 'application_server_address', 'application_server_id',
    'application_server_kek_label', 'attributes', 'battery_percentage',
    'claim_authentication_code', 'created_at', 'description', 'downlink_margin', 'formatters',
    'frequency_plan_id', 'ids', 'join_server_address', 'last_dev_nonce',
    'last_dev_status_received_at', 'last_join_nonce', 'last_rj_count_0', 'last_rj_count_1',
    'last_seen_at', 'locations', 'lora_alliance_profile_ids', 'lorawan_phy_version',
    'lorawan_version', 'mac_settings', 'mac_state', 'max_frequency', 'min_frequency', 'multicast',
    'name', 'net_id', 'network_server_address', 'network_server_kek_label', 'pending_mac_state',
    'pending_session', 'picture', 'power_state', 'provisioner_id', 'provisioning_data',
    'queued_application_downlinks', 'resets_join_nonces', 'root_keys', 'serial_number',
    'service_profile_id', 'session', 'skip_payload_crypto', 'skip_payload_crypto_override',
    'supports_class_b', 'supports_class_c', 'supports_join', 'updated_at', 'used_dev_nonces',
    'version_ids'}
IDS_PATHS = ['ids', 'ids.device_id', 'ids.application_ids', 'ids.application_ids.application_id',
             'ids.dev_eui', 'ids.join_eui', 'ids.dev_addr']
# Field-mask paths each component owns (a path also covers its sub-fields).
OWNED = {
    'is': IDS_PATHS + ['name', 'description', 'attributes', 'version_ids', 'network_server_address',
                       'application_server_address', 'join_server_address', 'service_profile_id',
                       'locations', 'picture', 'claim_authentication_code', 'serial_number',
                       'lora_alliance_profile_ids', 'activated_at', 'last_seen_at'],
    'js': IDS_PATHS + ['root_keys', 'network_server_address', 'application_server_address',
                       'application_server_id', 'application_server_kek_label',
                       'network_server_kek_label', 'net_id', 'resets_join_nonces',
                       'provisioner_id', 'provisioning_data', 'last_dev_nonce', 'last_join_nonce',
                       'last_rj_count_0', 'last_rj_count_1', 'used_dev_nonces'],
    'ns': IDS_PATHS + ['supports_join', 'lorawan_version', 'lorawan_phy_version',
                       'frequency_plan_id', 'supports_class_b', 'supports_class_c', 'mac_settings',
                       'multicast', 'session', 'pending_session', 'mac_state', 'pending_mac_state',
                       'battery_percentage', 'downlink_margin', 'power_state',
                       'last_dev_status_received_at', 'version_ids'],
    'as': IDS_PATHS + ['formatters', 'skip_payload_crypto', 'skip_payload_crypto_override',
                       'session', 'pending_session', 'version_ids'],
}
COMPONENT_NAMESPACE = {'js': 'pkg/joinserver', 'ns': 'pkg/networkserver', 'as': 'pkg/applicationserver'}
# Where each component's registry errors come from.
REGISTRY_NAMESPACE = {'js': 'pkg/joinserver', 'ns': 'pkg/networkserver/redis',
                      'as': 'pkg/applicationserver/redis'}
KEY_PATHS = ('root_keys',)

# SearchEndDevicesRequest's "contains" fields and their max_len rules.
SEARCH_CONTAINS = {'query': 50, 'id_contains': 50, 'name_contains': 50, 'description_contains': 50,
                   'dev_eui_contains': 16, 'join_eui_contains': 16, 'dev_addr_contains': 8}
SEARCH_PATHS = {'id_contains': 'ids.device_id', 'name_contains': 'name',
                'description_contains': 'description', 'dev_eui_contains': 'ids.dev_eui',
                'join_eui_contains': 'ids.join_eui', 'dev_addr_contains': 'ids.dev_addr'}
SEARCH_ORDERS = ['', 'device_id', '-device_id', 'join_eui', '-join_eui', 'dev_eui', '-dev_eui', 'name',
                 '-name', 'description', '-description', 'created_at', '-created_at', 'last_seen_at',
                 '-last_seen_at']
# grpc-gateway's spelling of a map entry in a query: attributes_contain[key]=value.
ATTRIBUTE_PARAM_RE = re.compile(r'^attributes_contain\[(.*)\]$')

R_INFO = 'RIGHT_APPLICATION_INFO'
R_READ = 'RIGHT_APPLICATION_DEVICES_READ'
R_READ_KEYS = 'RIGHT_APPLICATION_DEVICES_READ_KEYS'
R_WRITE = 'RIGHT_APPLICATION_DEVICES_WRITE'
R_WRITE_KEYS = 'RIGHT_APPLICATION_DEVICES_WRITE_KEYS'


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def validation_error(field, reason):
    # The validator's field errors become pkg/errors:validation
    # (lorawan-stack pkg/errors/validation.go, conversion.go).
    return tts_error(3, 'pkg/errors', 'validation', 'invalid `{field}`: {reason}',
                     {'field': field, 'reason': reason})


def embedded_validation_error(field, inner_field, reason):
    """A rule of a nested message: the generated validators name the outer
    field ("embedded message failed validation") and keep the inner error
    as the cause, which ErrorDetails carries as `cause`."""
    error = validation_error(field, 'embedded message failed validation')
    cause = validation_error(inner_field, reason).body['details'][0]
    del cause['@type']
    error.body['details'][0]['cause'] = cause
    return error


def id_problem(value):
    """What is wrong with an entity ID (3-36 characters, the ID pattern), or None."""
    if not 3 <= len(value) <= 36:
        return 'value length must be between 3 and 36 runes, inclusive'
    if not DEVICE_ID_RE.match(value):
        return 'value does not match regex pattern "%s"' % DEVICE_ID_RE.pattern
    return None


def field_value_error(component, field):
    return tts_error(3, COMPONENT_NAMESPACE[component], 'field_value', 'invalid value of field `{field}`',
                     {'field': field})


def covers(owner, path):
    return path == owner or path.startswith(owner + '.')


def path_allowed(component, path):
    return any(covers(owned, path) for owned in OWNED[component])


def get_path(obj, path):
    for part in path.split('.'):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def set_path(obj, path, value):
    parts = path.split('.')
    for part in parts[:-1]:
        obj = obj.setdefault(part, {})
    if value is None:
        obj.pop(parts[-1], None)
    else:
        obj[parts[-1]] = copy.deepcopy(value)


# --- JSON decoding: failures here carry no details, as in TTS -----------

def decode_bytes(value, size, what):
    if not isinstance(value, str):
        raise tts_decode_error('invalid %s: expected a hex string' % what)
    if not HEX_RE.match(value) or len(value) % 2:
        raise tts_decode_error('error:pkg/types:invalid_hex (invalid hex `%s`)' % what)
    if len(value) != size * 2:
        raise tts_decode_error('error:pkg/types:invalid_length (got %d bytes, expected %d)'
                               % (len(value) // 2, size))
    return value.upper()


def decode_enum(value, names, dotted, enum_name, strip_prefix):
    if isinstance(value, int) and not isinstance(value, bool):
        if value in set(names.values()):
            return value
    elif isinstance(value, str):
        if value in names:
            return names[value]
        if not value.startswith(strip_prefix) and strip_prefix + value in names:
            return names[strip_prefix + value]
        if value in dotted:
            return dotted[value]
    raise tts_decode_error('invalid value %s for enum ttn.lorawan.v3.%s' % (repr(value), enum_name))


def decode_bool(value, field):
    if not isinstance(value, bool):
        raise tts_decode_error('invalid value for bool field %s: %s' % (field, repr(value)))
    return value


def decode_string(value, field):
    if not isinstance(value, str):
        raise tts_decode_error('invalid value for string field %s: %s' % (field, repr(value)))
    return value


def parse_uint(value, parameter):
    """A uint32 in a path or query; grpc-gateway refuses what does not
    parse before the request reaches the server (code 3, no details)."""
    if not value.isdigit() or int(value) >= 1 << 32:
        raise tts_decode_error('type mismatch, parameter: %s, error: strconv.ParseUint: parsing %s: invalid syntax'
                               % (parameter, json.dumps(value)))
    return int(value)


def query_uint(req, name):
    value = req.query_one(name)
    return parse_uint(value, name) if value else 0


def decode_end_device(dev):
    """Type-checks and normalises the fields Onboarder and the simulator
    know; unknown fields are decoding errors, like TTS's strict decoder."""
    if not isinstance(dev, dict):
        raise tts_decode_error('invalid value for end_device: expected an object')
    unknown = sorted(set(dev) - END_DEVICE_FIELDS)
    if unknown:
        raise tts_decode_error('unknown field "%s" in ttn.lorawan.v3.EndDevice' % unknown[0])
    dev = copy.deepcopy(dev)
    ids = dev.get('ids', {})
    if not isinstance(ids, dict):
        raise tts_decode_error('invalid value for ids: expected an object')
    unknown = sorted(set(ids) - {'device_id', 'application_ids', 'dev_eui', 'join_eui', 'dev_addr'})
    if unknown:
        raise tts_decode_error('unknown field "%s" in ttn.lorawan.v3.EndDeviceIdentifiers' % unknown[0])
    if 'device_id' in ids:
        decode_string(ids['device_id'], 'device_id')
    app_ids = ids.get('application_ids', {})
    if not isinstance(app_ids, dict) or set(app_ids) - {'application_id'}:
        raise tts_decode_error('invalid value for application_ids')
    if 'application_id' in app_ids:
        decode_string(app_ids['application_id'], 'application_id')
    for eui in ('dev_eui', 'join_eui'):
        if eui in ids:
            ids[eui] = decode_bytes(ids[eui], 8, eui)
    if 'dev_addr' in ids:
        ids['dev_addr'] = decode_bytes(ids['dev_addr'], 4, 'dev_addr')
    if 'root_keys' in dev:
        keys = dev['root_keys']
        if not isinstance(keys, dict) or set(keys) - {'app_key', 'nwk_key', 'root_key_id'}:
            raise tts_decode_error('invalid value for root_keys')
        for name in ('app_key', 'nwk_key'):
            if name in keys:
                envelope = keys[name]
                if not isinstance(envelope, dict) or set(envelope) - {'key', 'kek_label', 'encrypted_key'}:
                    raise tts_decode_error('invalid value for root_keys.%s' % name)
                if 'key' in envelope:
                    envelope['key'] = decode_bytes(envelope['key'], 16, 'key')
    if 'lorawan_version' in dev:
        dev['lorawan_version'] = decode_enum(dev['lorawan_version'], MAC_VERSIONS, MAC_DOTTED,
                                             'MACVersion', 'MAC_')
    if 'lorawan_phy_version' in dev:
        dev['lorawan_phy_version'] = decode_enum(dev['lorawan_phy_version'], PHY_BY_NAME,
                                                 PHY_DOTTED, 'PHYVersion', 'PHY_')
    for field in ('supports_join', 'supports_class_b', 'supports_class_c', 'skip_payload_crypto'):
        if field in dev:
            decode_bool(dev[field], field)
    for field in ('frequency_plan_id', 'name', 'description', 'network_server_address',
                  'application_server_address', 'join_server_address', 'serial_number'):
        if field in dev:
            decode_string(dev[field], field)
    if 'attributes' in dev:
        if not isinstance(dev['attributes'], dict) or not all(isinstance(v, str) for v in dev['attributes'].values()):
            raise tts_decode_error('invalid value for attributes: expected a map of strings')
    return dev


def decode_object(body, allowed, message):
    if not isinstance(body, dict):
        raise tts_decode_error('invalid value for %s: expected an object' % message)
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise tts_decode_error('unknown field "%s" in ttn.lorawan.v3.%s' % (unknown[0], message))


def decode_field_mask(body):
    mask = body.get('field_mask', {})
    if not isinstance(mask, dict) or set(mask) - {'paths'}:
        raise tts_decode_error('invalid value for field_mask: expected {"paths": [...]}')
    paths = mask.get('paths', [])
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise tts_decode_error('invalid value for field_mask.paths: expected a list of strings')
    return paths


def encode_device(record):
    """Enums go out by name, as TTS's JSON marshaler does."""
    out = copy.deepcopy(record)
    if 'lorawan_version' in out:
        out['lorawan_version'] = MAC_NAME[out['lorawan_version']]
    if 'lorawan_phy_version' in out:
        out['lorawan_phy_version'] = PHY_NAME[out['lorawan_phy_version']]
    return out


class TTS:
    def __init__(self, config):
        tts = config['tts']
        self.applications = {a['application_id']: a for a in tts['applications']}
        self.keys = {k['key']: k for k in tts['api_keys']}
        self.key_ids = {k['id']: k for k in tts['api_keys']}
        self.bands = {band: {PHY_BY_NAME[v] for v in versions} for band, versions in tts['bands'].items()}
        self.plans = {p['id']: p for p in tts['frequency_plans']}
        self.created_at = now_rfc3339()
        self.reset()

    def reset(self):
        # (application_id, device_id) -> stored end device, per component.
        self.records = {'is': {}, 'js': {}, 'ns': {}, 'as': {}}
        # DevEUIs ever written to the cluster's Join Server: a claimed
        # device must never appear here.
        self.js_written = set()

    def routes(self):
        app = r'(?P<app>[^/]+)'
        dev = r'(?P<dev>[^/]+)'
        c = r'(?P<component>js|ns|as)'
        return [
            ('GET', r'/api/v3/auth_info', 'tts.auth_info', self.auth_info),
            ('GET', r'/api/v3/configuration/frequency-plans', 'tts.frequency_plans', self.frequency_plans),
            ('GET', r'/api/v3/applications/%s' % app, 'tts.is.application', self.get_application),
            ('GET', r'/api/v3/applications/%s/devices' % app, 'tts.is.list', self.is_list),
            ('GET', r'/api/v3/search/applications/%s/devices' % app, 'tts.is.search', self.is_search),
            ('POST', r'/api/v3/applications/%s/devices' % app, 'tts.is.create', self.is_create),
            ('GET', r'/api/v3/applications/%s/devices/%s' % (app, dev), 'tts.is.get', self.is_get),
            ('PUT', r'/api/v3/applications/%s/devices/%s' % (app, dev), 'tts.is.update', self.is_update),
            ('DELETE', r'/api/v3/applications/%s/devices/%s' % (app, dev), 'tts.is.delete', self.is_delete),
            ('PUT', r'/api/v3/%s/applications/%s/devices/%s' % (c, app, dev), 'tts.{component}.set', self.component_set),
            ('GET', r'/api/v3/%s/applications/%s/devices/%s' % (c, app, dev), 'tts.{component}.get', self.component_get),
            ('DELETE', r'/api/v3/%s/applications/%s/devices/%s' % (c, app, dev), 'tts.{component}.delete', self.component_delete),
        ]

    def describe(self):
        state = {c: {'%s/%s' % k: encode_device(v) for k, v in records.items()}
                 for c, records in self.records.items()}
        state['js_written'] = sorted(self.js_written)
        return state

    # --- authentication and rights ---------------------------------------

    def authenticate(self, req):
        header = req.headers.get('Authorization')
        if not header:
            raise tts_error(16, 'pkg/identityserver', 'unauthenticated', 'unauthenticated')
        scheme, _, token = header.partition(' ')
        if scheme.lower() != 'bearer' or not token:
            raise tts_error(16, 'pkg/auth', 'invalid_authorization', 'invalid authorization')
        key = self.keys.get(token.strip())
        if key is None:
            parts = token.strip().split('.')
            if len(parts) == 3 and parts[0] == 'NNSXS' and parts[1] in self.key_ids:
                raise tts_error(16, 'pkg/identityserver', 'token_mismatch', 'token mismatch')
            raise tts_error(16, 'pkg/identityserver', 'token_not_found', 'token not found')
        return key

    def require(self, req, app, *rights):
        key = self.authenticate(req)
        if key['application_id'] != app or app not in self.applications:
            raise tts_error(7, 'pkg/auth/rights', 'no_application_rights',
                            'no rights for application `{uid}`', {'uid': app})
        missing = [r for r in rights if r not in key['rights']]
        if missing:
            raise tts_error(7, 'pkg/auth/rights', 'insufficient_application_rights',
                            'insufficient rights for application `{uid}`',
                            {'missing': missing, 'uid': app})
        return key

    # --- helpers ----------------------------------------------------------

    def not_found(self, component, app, dev):
        if component == 'is':
            return tts_error(5, 'pkg/identityserver/store', 'end_device_not_found',
                             'end device `{end_device_uid}` not found',
                             {'end_device_uid': '%s.%s' % (app, dev)})
        if component == 'js':
            return tts_error(5, 'pkg/joinserver', 'device_not_found', 'device not found')
        return tts_error(5, 'pkg/redis', 'not_found', 'entity not found')

    def check_device_id(self, dev_id, field, embedded_in=None):
        """An ID's field rules; @embedded_in: the field of the request whose
        message holds it (the server then names that field, the ID's own
        error being the cause)."""
        reason = id_problem(dev_id)
        if reason is not None:
            if embedded_in:
                raise embedded_validation_error(embedded_in, field, reason)
            raise validation_error(field, reason)

    def check_is_fields(self, dev):
        for field in ('network_server_address', 'application_server_address', 'join_server_address'):
            if field in dev and not ADDRESS_RE.match(dev[field]):
                raise validation_error('end_device.' + field,
                                       'value does not match regex pattern "%s"' % ADDRESS_RE.pattern)
        if len(dev.get('name', '')) > 50:
            raise validation_error('end_device.name', 'value length must be at most 50 runes')
        if len(dev.get('description', '')) > 2000:
            raise validation_error('end_device.description', 'value length must be at most 2000 runes')
        for key in dev.get('attributes', {}):
            if len(key) > 36 or not DEVICE_ID_RE.match(key):
                raise validation_error('end_device.attributes', 'invalid key `%s`' % key)

    def check_forbidden(self, component, paths):
        forbidden = [p for p in paths if not path_allowed(component, p)]
        if forbidden:
            raise tts_error(3, 'pkg/ttnpb', 'field_mask_paths', 'forbidden path(s) in field mask',
                            {'forbidden_paths': forbidden})

    def query_field_mask(self, req):
        paths = []
        for value in req.query_all('field_mask'):
            paths += [p for p in value.split(',') if p]
        paths += req.query_all('field_mask.paths')
        return paths

    def project(self, component, record, paths):
        out = {'ids': copy.deepcopy(record['ids']),
               'created_at': record['created_at'], 'updated_at': record['updated_at']}
        for path in paths:
            value = get_path(record, path)
            if value is not None:
                set_path(out, path, value)
        return encode_device(out)

    def eui_owner(self, component, join_eui, dev_eui):
        for (app, dev_id), record in self.records[component].items():
            ids = record['ids']
            if ids.get('dev_eui') == dev_eui and ids.get('join_eui', '0' * 16) == join_eui:
                return app, dev_id
        return None

    # --- general reads ----------------------------------------------------

    def auth_info(self, req):
        key = self.authenticate(req)
        return 200, {
            'api_key': {
                'api_key': {'id': key['id'], 'name': key.get('name', ''), 'rights': key['rights'],
                            'created_at': self.created_at, 'updated_at': self.created_at},
                'entity_ids': {'application_ids': {'application_id': key['application_id']}},
            },
            'universal_rights': {},
            'is_admin': False,
        }

    def frequency_plans(self, req):
        # Public in TTS: no key needed.
        plans = list(self.plans.values())
        band = req.query_one('band_id')
        if band:
            plans = [p for p in plans if p['band_id'] == band]
        base = req.query_one('base_frequency')
        if base:
            plans = [p for p in plans if str(p['base_frequency']) == base]
        return 200, {'frequency_plans': plans}

    def get_application(self, req, app):
        self.require(req, app, R_INFO)
        info = self.applications[app]
        return 200, {'ids': {'application_id': app}, 'name': info.get('name', ''),
                     'created_at': self.created_at, 'updated_at': self.created_at}

    # --- Identity Server --------------------------------------------------

    def is_list(self, req, app):
        self.require(req, app, R_READ)
        devices = [self.project('is', r, []) for (a, _), r in sorted(self.records['is'].items()) if a == app]
        return 200, {'end_devices': devices}

    def is_search(self, req, app):
        """EndDeviceRegistrySearch.SearchEndDevices. Field rules from
        SearchEndDevicesRequest; matching as lorawan-stack's bunstore
        (entity_search.go) does it: each condition ANDed, ILIKE '%value%'
        (substring, any case); the answer as registry_search.go builds it:
        ids, created_at, updated_at and the masked fields, total in
        X-Total-Count."""
        conditions = {}
        for field, limit in SEARCH_CONTAINS.items():
            value = req.query_one(field)
            if value is None or value == '':
                continue
            if len(value) > limit:
                raise validation_error(field, 'value length must be at most %d runes' % limit)
            conditions[field] = value.lower()
        attributes = {}
        for name, values in req.query.items():
            match = ATTRIBUTE_PARAM_RE.match(name)
            if match and values and values[0]:
                key = match.group(1)
                if len(key) > 36 or not DEVICE_ID_RE.match(key):
                    raise validation_error('attributes_contain', 'invalid key `%s`' % key)
                if len(values[0]) > 50:
                    raise validation_error('attributes_contain', 'value length must be at most 50 runes')
                attributes[key] = values[0].lower()
        if len(attributes) > 10:
            raise validation_error('attributes_contain', 'value must contain no more than 10 pair(s)')
        order = req.query_one('order') or ''
        if order not in SEARCH_ORDERS:
            raise validation_error('order', 'value must be in list %s' % ' '.join(SEARCH_ORDERS))
        limit = query_uint(req, 'limit')
        if limit > 1000:
            raise validation_error('limit', 'value must be less than or equal to 1000')
        page = max(query_uint(req, 'page'), 1)
        paths = self.query_field_mask(req)
        self.check_forbidden('is', paths)
        self.require(req, app, R_READ)

        def text(record, path):
            return str(get_path(record, path) or '').lower()

        def matches(record):
            if 'query' in conditions and not any(
                    conditions['query'] in text(record, p)
                    for p in ('ids.device_id', 'name', 'description', 'ids.dev_eui', 'ids.join_eui')):
                return False
            if any(conditions[f] not in text(record, p) for f, p in SEARCH_PATHS.items() if f in conditions):
                return False
            have = record.get('attributes', {})
            return all(k in have and v in have[k].lower() for k, v in attributes.items())

        found = [r for (a, _), r in self.records['is'].items() if a == app and matches(r)]
        key = order.lstrip('-') or 'device_id'
        found.sort(key=lambda r: (text(r, 'ids.' + key) if key in ('device_id', 'dev_eui', 'join_eui')
                                  else text(r, key)), reverse=order.startswith('-'))
        total = len(found)
        if limit:
            found = found[(page - 1) * limit:page * limit]
        answer = {'end_devices': [self.project('is', r, paths) for r in found]} if found else {}
        return 200, answer, {'X-Total-Count': str(total)}

    def is_create(self, req, app):
        body = req.json()
        decode_object(body, ['end_device'], 'CreateEndDeviceRequest')
        dev = decode_end_device(body.get('end_device', {}))
        ids = dev.setdefault('ids', {})
        ids['application_ids'] = {'application_id': app}  # the URL wins, as in grpc-gateway
        self.check_device_id(ids.get('device_id', ''), 'end_device.ids.device_id')
        self.check_forbidden('is', sorted(k for k in dev if k not in ('ids', 'created_at', 'updated_at')))
        self.check_is_fields(dev)
        self.require(req, app, R_WRITE)
        if (app, ids['device_id']) in self.records['is']:
            raise tts_error(6, 'pkg/identityserver/store', 'id_taken', 'ID already taken')
        if 'dev_eui' in ids:
            join_eui = ids.get('join_eui', '0' * 16)
            owner = self.eui_owner('is', join_eui, ids['dev_eui'])
            if owner:
                raise tts_error(6, 'pkg/identityserver/store', 'end_device_euis_taken',
                                'an end device with JoinEUI `{join_eui}` and DevEUI `{dev_eui}` is already registered as `{device_id}` in application `{application_id}`',
                                {'join_eui': join_eui, 'dev_eui': ids['dev_eui'],
                                 'device_id': owner[1], 'application_id': owner[0]})
        record = dev
        record['created_at'] = record['updated_at'] = now_rfc3339()
        self.records['is'][(app, ids['device_id'])] = record
        return 200, encode_device(record)

    def is_get(self, req, app, dev):
        paths = self.query_field_mask(req)
        self.check_forbidden('is', paths)
        self.require(req, app, R_READ)
        record = self.records['is'].get((app, dev))
        if record is None:
            raise self.not_found('is', app, dev)
        return 200, self.project('is', record, paths)

    def is_update(self, req, app, dev):
        body = req.json()
        decode_object(body, ['end_device', 'field_mask'], 'UpdateEndDeviceRequest')
        values = decode_end_device(body.get('end_device', {}))
        paths = decode_field_mask(body)
        self.check_forbidden('is', paths)
        self.check_is_fields(values)
        self.require(req, app, R_WRITE)
        record = self.records['is'].get((app, dev))
        if record is None:
            raise self.not_found('is', app, dev)
        for path in paths:
            if not path.startswith('ids'):
                set_path(record, path, get_path(values, path))
        record['updated_at'] = now_rfc3339()
        return 200, self.project('is', record, paths)

    def is_delete(self, req, app, dev):
        self.require(req, app, R_WRITE)
        if self.records['is'].pop((app, dev), None) is None:
            raise self.not_found('is', app, dev)
        return 200, {}

    # --- Join, Network and Application Servers ----------------------------

    def component_set(self, req, component, app, dev):
        body = req.json()
        decode_object(body, ['end_device', 'field_mask'], 'SetEndDeviceRequest')
        values = decode_end_device(body.get('end_device', {}))
        paths = decode_field_mask(body)
        ids = values.setdefault('ids', {})
        body_ids = dict(ids)
        ids['device_id'] = dev
        ids['application_ids'] = {'application_id': app}
        # The validator middleware runs before the handler checks rights.
        self.check_device_id(dev, 'end_device.ids.device_id')
        self.check_forbidden(component, paths)
        if component == 'js':
            # The JS keys its registry by EUIs and checks them before rights.
            if 'join_eui' not in body_ids:
                raise tts_error(3, 'pkg/joinserver', 'no_join_eui', 'no JoinEUI specified')
            if body_ids.get('dev_eui', '0' * 16) == '0' * 16:
                raise tts_error(3, 'pkg/joinserver', 'no_dev_eui', 'no DevEUI specified')
            for key in ('app_key', 'nwk_key'):
                path = 'root_keys.%s.key' % key
                if path in paths and get_path(values, path) in (None, '0' * 32):
                    raise field_value_error('js', path)
        rights = [R_WRITE]
        if any(covers(k, p) or covers(p, k) for p in paths for k in KEY_PATHS):
            rights.append(R_WRITE_KEYS)
        self.require(req, app, *rights)
        is_record = self.records['is'].get((app, dev))
        if is_record is None:
            raise self.not_found('is', app, dev)
        namespace = REGISTRY_NAMESPACE[component]
        for eui in ('dev_eui', 'join_eui'):
            if eui in body_ids and body_ids[eui] != is_record['ids'].get(eui):
                raise tts_error(3, namespace, 'invalid_identifiers', 'invalid identifiers',
                                {'field': 'ids.' + eui})
        record = self.records[component].get((app, dev))
        creating = record is None
        if creating:
            record = {'ids': {k: v for k, v in is_record['ids'].items()}}
            ids_full = record['ids']
            if 'dev_eui' in ids_full:
                owner = self.eui_owner(component, ids_full.get('join_eui', '0' * 16), ids_full['dev_eui'])
                if owner:
                    raise tts_error(6, namespace, 'duplicate_identifiers',
                                    'a device identified by the identifiers already exists',
                                    {'application_id': owner[0], 'device_id': owner[1]})
        merged = copy.deepcopy(record)
        for path in paths:
            if not path.startswith('ids'):
                set_path(merged, path, get_path(values, path))
        getattr(self, 'check_' + component)(merged, paths, body_ids, creating)
        now = now_rfc3339()
        if creating:
            merged['created_at'] = now
        merged['updated_at'] = now
        self.records[component][(app, dev)] = merged
        if component == 'js':
            self.js_written.add(merged['ids'].get('dev_eui'))
        return 200, self.project(component, merged, paths)

    def check_js(self, dev, paths, body_ids, creating):
        for field in ('network_server_address', 'application_server_address'):
            if field in dev and not ADDRESS_RE.match(dev[field]):
                raise validation_error('end_device.' + field,
                                       'value does not match regex pattern "%s"' % ADDRESS_RE.pattern)

    def check_ns(self, dev, paths, body_ids, creating):
        if 'frequency_plan_id' in paths and not dev.get('frequency_plan_id'):
            raise field_value_error('ns', 'frequency_plan_id')
        if creating:
            for field in ('frequency_plan_id', 'lorawan_version', 'lorawan_phy_version'):
                if not dev.get(field):
                    raise field_value_error('ns', field)
            if dev.get('supports_join'):
                for eui in ('dev_eui', 'join_eui'):
                    if eui not in body_ids:
                        raise field_value_error('ns', 'ids.' + eui)
            elif get_path(dev, 'session.dev_addr') is None:
                # ABP needs a session; Onboarder only registers OTAA devices.
                raise field_value_error('ns', 'session.dev_addr')
        plan = self.plans.get(dev.get('frequency_plan_id'))
        if plan is None:
            raise tts_error(5, 'pkg/frequencyplans', 'not_found', 'frequency plan `{id}` not found',
                            {'id': dev.get('frequency_plan_id')})
        phy = dev.get('lorawan_phy_version')
        if phy not in self.bands[plan['band_id']]:
            raise tts_error(3, 'pkg/networkserver', 'no_band_version',
                            'specified version `{ver}` of band `{id}` does not exist',
                            {'ver': PHY_NAME.get(phy, 'PHY_UNKNOWN'), 'id': plan['band_id']})
        if phy not in MAC_PHY_COMPATIBLE.get(dev.get('lorawan_version'), ()):
            raise field_value_error('ns', 'lorawan_phy_version')

    def check_as(self, dev, paths, body_ids, creating):
        pass

    def component_get(self, req, component, app, dev):
        paths = self.query_field_mask(req)
        rights = [R_READ]
        if any(covers(k, p) or covers(p, k) for p in paths for k in KEY_PATHS):
            rights.append(R_READ_KEYS)
        self.check_forbidden(component, paths)
        self.require(req, app, *rights)
        record = self.records[component].get((app, dev))
        if record is None:
            raise self.not_found(component, app, dev)
        return 200, self.project(component, record, paths)

    def component_delete(self, req, component, app, dev):
        self.require(req, app, R_WRITE)
        if self.records[component].pop((app, dev), None) is None:
            raise self.not_found(component, app, dev)
        return 200, {}

