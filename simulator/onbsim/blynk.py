"""Blynk Platform API: OAuth2 client credentials, organisation devices,
static-token claim and metafields, with Blynk's error shape and an optional
per-minute rate limit."""

import base64
import math
import re
import secrets
import time

from .errors import blynk_error, oauth_error

STATIC_TOKEN_RE = re.compile(r'^(sqr_[A-Za-z0-9_-]{32})(?:\+(\d+))?$')
NAME_MAX = 50
METAFIELD_VALUE_MAX = 255


def check_name(name):
    if not isinstance(name, str):
        raise blynk_error(400, 'Device name is required.', reason='name_missing')
    if not name.strip():
        raise blynk_error(400, 'Device name can\'t be empty.', reason='name_empty')
    if len(name) > NAME_MAX:
        raise blynk_error(400, 'Device name is too long. Max length is %d.' % NAME_MAX, reason='name_too_long')
    if name != name.strip() or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise blynk_error(400, 'Device name contains invalid characters.', reason='name_invalid')


def int_field(body, field, required=True):
    value = body.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise blynk_error(400, '%s must be a number.' % field, reason='bad_' + field)
    return value


class Blynk:
    def __init__(self, config):
        blynk = config['blynk']
        self.org_id = blynk['org_id']
        self.clients = {c['client_id']: c['client_secret'] for c in blynk['clients']}
        self.users = {u['id']: u for u in blynk['users']}
        self.templates = {t['template_id']: t for t in blynk['templates']}
        self.templates_by_number = {t['id']: t for t in blynk['templates']}
        self.static_token_config = blynk['static_tokens']
        self.token_lifetime_s = blynk.get('token_lifetime_s', 3600)
        self.rate_limit_per_minute = blynk.get('rate_limit_per_minute', 0)
        # False: answer the template listing as an older server without it.
        self.template_list = blynk.get('template_list', True)
        self.reset()

    def reset(self):
        self.access_tokens = {}        # token -> {client_id, expires_at}
        self.devices = {}              # id -> device record
        self.next_device_id = 1001
        self.static_tokens = {t['token']: {'template_id': t['template_id'], 'device_id': None,
                                           'name': t.get('name')} for t in self.static_token_config}
        self.window_start = 0.0
        self.window_count = 0

    def settings(self):
        return {'token_lifetime_s': self.token_lifetime_s,
                'rate_limit_per_minute': self.rate_limit_per_minute,
                'template_list': self.template_list}

    def apply_settings(self, settings):
        if not isinstance(settings, dict) or set(settings) - {'token_lifetime_s', 'rate_limit_per_minute', 'template_list'}:
            raise ValueError('Blynk settings: an object with token_lifetime_s, rate_limit_per_minute and/or template_list')
        if 'template_list' in settings:
            if not isinstance(settings['template_list'], bool):
                raise ValueError('template_list must be true or false')
            self.template_list = settings['template_list']
        for key in ('token_lifetime_s', 'rate_limit_per_minute'):
            if key in settings:
                value = settings[key]
                if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                    raise ValueError('%s must be a number >= 0' % key)
                setattr(self, key, value)

    def expire_tokens(self):
        for token in self.access_tokens.values():
            token['expires_at'] = 0

    def routes(self):
        org = r'/api/v1/organization'
        return [
            ('POST', r'/oauth2/token', 'blynk.token', self.token),
            ('POST', org + r'/device/create', 'blynk.device_create', self.device_create),
            ('POST', org + r'/static-tokens/claim', 'blynk.claim', self.claim),
            ('GET', org + r'/templates', 'blynk.template_list', self.template_list_get),
            ('GET', org + r'/template/metafields', 'blynk.template_metafields', self.template_metafields),
            ('POST', org + r'/device/metafield', 'blynk.metafield_set', self.metafield_set),
            ('GET', org + r'/device', 'blynk.device_get', self.device_get),
            ('DELETE', org + r'/device', 'blynk.device_delete', self.device_delete),
            ('GET', org + r'/search/devices', 'blynk.search', self.search),
            ('GET', org + r'/devices', 'blynk.device_list', self.device_list),
        ]

    def describe(self):
        return {
            'devices': [self.device_json(d) for _, d in sorted(self.devices.items())],
            'static_tokens': {t: {'template_id': s['template_id'], 'device_id': s['device_id']}
                              for t, s in self.static_tokens.items()},
            'access_tokens': len(self.access_tokens),
            'settings': self.settings(),
        }

    # --- OAuth2 -------------------------------------------------------------

    def token(self, req):
        grant = req.query_one('grant_type') or req.form().get('grant_type')
        header = req.headers.get('Authorization', '')
        scheme, _, encoded = header.partition(' ')
        challenge = {'WWW-Authenticate': 'Basic realm="blynk"'}
        if scheme.lower() != 'basic' or not encoded:
            raise oauth_error(401, 'invalid_client', 'Client authentication failed: no HTTP Basic credentials.', challenge)
        try:
            client_id, _, secret = base64.b64decode(encoded, validate=True).decode('utf-8').partition(':')
        except (ValueError, UnicodeDecodeError):
            raise oauth_error(401, 'invalid_client', 'Client authentication failed: malformed credentials.', challenge)
        if self.clients.get(client_id) is None or not secrets.compare_digest(self.clients[client_id], secret):
            raise oauth_error(401, 'invalid_client', 'Client authentication failed.', challenge)
        if grant is None:
            raise oauth_error(400, 'invalid_request', 'Missing grant_type.')
        if grant != 'client_credentials':
            raise oauth_error(400, 'unsupported_grant_type', 'Only client_credentials is supported.')
        access = secrets.token_urlsafe(32)
        self.access_tokens[access] = {'client_id': client_id,
                                      'expires_at': time.time() + self.token_lifetime_s}
        return 200, {'access_token': access, 'token_type': 'Bearer',
                     'expires_in': max(1, math.ceil(self.token_lifetime_s))}

    def authorize(self, req):
        """Every organisation call: a live bearer token, then the org-wide
        rate limit."""
        challenge = {'WWW-Authenticate': 'Bearer error="invalid_token"'}
        scheme, _, token = req.headers.get('Authorization', '').partition(' ')
        if scheme.lower() != 'bearer' or not token:
            raise blynk_error(401, 'Authorization header with a Bearer token is required.', challenge, 'no_token')
        entry = self.access_tokens.get(token.strip())
        if entry is None:
            raise blynk_error(401, 'Invalid access token.', challenge, 'invalid_token')
        if entry['expires_at'] <= time.time():
            raise blynk_error(401, 'Access token expired.', challenge, 'expired_token')
        if self.rate_limit_per_minute:
            now = time.time()
            if now - self.window_start >= 60:
                self.window_start, self.window_count = now, 0
            if self.window_count >= self.rate_limit_per_minute:
                retry = max(1, math.ceil(self.window_start + 60 - now))
                raise blynk_error(429, 'Too many requests. Organization rate limit exceeded.',
                                  {'Retry-After': str(retry)}, 'rate_limited')
            self.window_count += 1

    # --- devices ------------------------------------------------------------

    def device_json(self, device):
        template = self.templates[device['template_id']]
        return {
            'id': device['id'],
            'name': device['name'],
            'orgId': self.org_id,
            'ownerUserId': device['owner_id'],
            'templateId': template['template_id'],
            'productId': template['id'],
            'token': device['token'],
            'createdAt': device['created_at'],
            'metaFields': [dict(mf, value=device['metafields'].get(mf['id'], device['name'] if mf['type'] == 'DeviceName' else ''))
                           for mf in template['metafields']],
        }

    def check_owner(self, owner_id):
        if owner_id not in self.users:
            raise blynk_error(404, 'User with id %d not found in this organization.' % owner_id,
                              reason='owner_not_found')

    def new_device(self, template, name, owner_id, static_token=None):
        device = {'id': self.next_device_id, 'name': name, 'owner_id': owner_id,
                  'template_id': template['template_id'], 'token': secrets.token_urlsafe(24)[:32],
                  'created_at': int(time.time() * 1000), 'metafields': {},
                  'static_token': static_token}
        self.next_device_id += 1
        self.devices[device['id']] = device
        return device

    def body(self, req, allowed):
        content_type = req.headers.get('Content-Type', '').split(';')[0].strip().lower()
        if req.body and content_type != 'application/json':
            raise blynk_error(415, 'Content-Type must be application/json.', reason='unsupported_media_type')
        body = req.json_or(lambda msg: blynk_error(400, 'Invalid JSON body: %s' % msg, reason='bad_json'))
        if not isinstance(body, dict):
            raise blynk_error(400, 'Request body must be a JSON object.', reason='bad_json')
        unknown = sorted(set(body) - set(allowed))
        if unknown:
            raise blynk_error(400, 'Unknown field %s.' % unknown[0], reason='unknown_field')
        return body

    def device_create(self, req):
        self.authorize(req)
        body = self.body(req, ('templateId', 'name', 'ownerId'))
        template_id = body.get('templateId')
        if not isinstance(template_id, str):
            raise blynk_error(400, 'templateId must be the template\'s TMPL id string.', reason='bad_templateId')
        check_name(body.get('name'))
        owner_id = int_field(body, 'ownerId')
        template = self.templates.get(template_id)
        if template is None:
            raise blynk_error(404, 'Template with id %s not found.' % template_id, reason='template_not_found')
        self.check_owner(owner_id)
        return 200, self.device_json(self.new_device(template, body['name'], owner_id))

    def claim(self, req):
        self.authorize(req)
        body = self.body(req, ('token', 'userId'))
        token = body.get('token')
        if not isinstance(token, str) or not STATIC_TOKEN_RE.match(token):
            raise blynk_error(400, 'Invalid static token.', reason='token_invalid')
        plain, org = STATIC_TOKEN_RE.match(token).groups()
        user_id = int_field(body, 'userId')
        if org is not None and int(org) != self.org_id:
            raise blynk_error(403, 'Static token belongs to another organization.', reason='token_other_org')
        entry = self.static_tokens.get(plain)
        if entry is None:
            raise blynk_error(404, 'Static token not found.', reason='token_not_found')
        if entry['device_id'] is not None:
            raise blynk_error(400, 'Static token is already claimed.', reason='token_claimed')
        self.check_owner(user_id)
        template = self.templates[entry['template_id']]
        name = entry['name'] or '%s %s' % (template['name'], plain[-4:])
        device = self.new_device(template, name, user_id, plain)
        entry['device_id'] = device['id']
        return 200, self.device_json(device)

    def template_list_get(self, req):
        if not self.template_list:
            raise blynk_error(404, 'Not found.', reason='no_route')
        self.authorize(req)
        return 200, [{'id': t['id'], 'templateId': t['template_id'], 'name': t['name'],
                      'metaFields': t['metafields']} for t in self.templates.values()]

    def template_metafields(self, req):
        self.authorize(req)
        value = req.query_one('templateId')
        if value is None or not value.isdigit():
            raise blynk_error(400, 'templateId must be the numeric template id.', reason='bad_templateId')
        template = self.templates_by_number.get(int(value))
        if template is None:
            raise blynk_error(404, 'Template with id %s not found.' % value, reason='template_not_found')
        return 200, template['metafields']

    def find_device(self, value):
        if value is None or not str(value).isdigit():
            raise blynk_error(400, 'deviceId must be a number.', reason='bad_deviceId')
        device = self.devices.get(int(value))
        if device is None:
            raise blynk_error(404, 'Device with id %s not found.' % value, reason='device_not_found')
        return device

    def metafield_set(self, req):
        self.authorize(req)
        body = self.body(req, ('deviceId', 'metaFieldId', 'newValue'))
        device_id = int_field(body, 'deviceId')
        field_id = int_field(body, 'metaFieldId')
        value = body.get('newValue')
        if not isinstance(value, str):
            raise blynk_error(400, 'newValue must be a string.', reason='bad_newValue')
        device = self.find_device(device_id)
        template = self.templates[device['template_id']]
        field = next((mf for mf in template['metafields'] if mf['id'] == field_id), None)
        if field is None:
            raise blynk_error(404, 'Metafield with id %d not found in the device\'s template.' % field_id,
                              reason='metafield_not_found')
        if field['type'] == 'DeviceName':
            check_name(value)
            device['name'] = value
        elif len(value) > METAFIELD_VALUE_MAX:
            raise blynk_error(400, 'Metafield value is too long. Max length is %d.' % METAFIELD_VALUE_MAX,
                              reason='metafield_too_long')
        device['metafields'][field_id] = value
        return 200, dict(field, value=value)

    def device_get(self, req):
        self.authorize(req)
        return 200, self.device_json(self.find_device(req.query_one('deviceId')))

    def device_delete(self, req):
        self.authorize(req)
        device = self.find_device(req.query_one('deviceId'))
        del self.devices[device['id']]
        if device['static_token']:
            self.static_tokens[device['static_token']]['device_id'] = None
        return 200, {}

    def search(self, req):
        self.authorize(req)
        query = req.query_one('query')
        if query is None:
            raise blynk_error(400, 'query is required.', reason='bad_query')
        needle = query.lower()
        found = [self.device_json(d) for _, d in sorted(self.devices.items()) if needle in d['name'].lower()]
        return 200, found

    def device_list(self, req):
        self.authorize(req)
        return 200, [self.device_json(d) for _, d in sorted(self.devices.items())]
