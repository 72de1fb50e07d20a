"""Blynk Platform API as Blynk's documentation describes it (the project's
copy: tests/fixtures/blynk/README.md names the pages): OAuth2 client
credentials, organisation devices, templates, metafields and static tokens,
with Blynk's error shapes and texts, paginated lists and an optional
per-minute rate limit.

Where the documentation is silent (the static-token claim's body and
answer), the choice is made in one place each and named in
simulator/README.md."""

import base64
import math
import re
import secrets
import time

from .errors import blynk_error, oauth_error

STATIC_TOKEN_RE = re.compile(r'^(sqr_[A-Za-z0-9_-]{32})(?:\+(\d+))?$')
NAME_MAX = 50
METAFIELD_VALUE_MAX = 255
SEARCH_QUERY_MAX = 255
PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 100
TOKEN_LIFETIME_DEFAULT = 300
CLAIM_ANSWERS = ('device', 'empty')

# Texts as the documentation prints them.
TEXT_USER_NOT_FOUND = 'User is not found or you don\'t have access to him.'
TEXT_TEMPLATE_NOT_FOUND = 'Template is not found.'
TEXT_TEMPLATE_NO_ACCESS = 'Template is not found or you don\'t have access to it.'
TEXT_ORG_NOT_FOUND = 'Organization is not found or you don\'t have access to it.'
TEXT_DEVICE_NOT_FOUND = 'Device with identifier %s is not found or belong to another organization.'
TEXT_METAFIELD_NOT_FOUND = 'Meta field is not found.'
TEXT_METAFIELD_INVALID = 'The provided value for metafield is invalid.'
TEXT_BAD_CLIENT = 'Client ID is not found or password is wrong.'


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


def query_int(req, name, default, low, high):
    value = req.query_one(name)
    if value is None:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise blynk_error(400, '%s must be a number from %d to %d.' % (name, low, high), reason='bad_' + name)
    return int(value)


def page(req, items):
    """A documented page: `page` from 0, `size` 1..100 (default 20)."""
    number = query_int(req, 'page', 0, 0, 1 << 31)
    size = query_int(req, 'size', PAGE_SIZE_DEFAULT, 1, PAGE_SIZE_MAX)
    return 200, {'content': items[number * size:(number + 1) * size], 'totalElements': len(items)}


class Blynk:
    def __init__(self, config):
        blynk = config['blynk']
        self.org_id = blynk['org_id']
        self.clients = {c['client_id']: c['client_secret'] for c in blynk['clients']}
        self.users = {u['id']: u for u in blynk['users']}
        self.templates = {t['template_id']: t for t in blynk['templates']}
        self.templates_by_number = {t['id']: t for t in blynk['templates']}
        self.static_token_config = blynk['static_tokens']
        self.token_lifetime_s = blynk.get('token_lifetime_s', TOKEN_LIFETIME_DEFAULT)
        self.rate_limit_per_minute = blynk.get('rate_limit_per_minute', 0)
        self.claim_answer = blynk.get('claim_answer', 'device')
        if self.claim_answer not in CLAIM_ANSWERS:
            raise ValueError('blynk.claim_answer must be one of %s' % ', '.join(CLAIM_ANSWERS))
        # Called with the device after each metafield write (the TTS integration).
        self.on_metafields = None
        self.reset()

    def reset(self):
        self.access_tokens = {}        # token -> {client_id, expires_at}
        self.refresh_tokens = {}       # token -> client_id
        self.devices = {}              # id -> device record
        self.next_device_id = 1001
        created = int(time.time() * 1000)
        self.static_tokens = {t['token']: {'template_id': t['template_id'], 'device_id': None, 'owner_id': 0,
                                           'name': t.get('name'), 'created_at': created,
                                           'device_token': secrets.token_urlsafe(24)[:32]}
                              for t in self.static_token_config}
        self.window_start = 0.0
        self.window_count = 0

    SETTINGS = ('token_lifetime_s', 'rate_limit_per_minute', 'claim_answer')

    def settings(self):
        return {key: getattr(self, key) for key in self.SETTINGS}

    def apply_settings(self, settings):
        if not isinstance(settings, dict) or set(settings) - set(self.SETTINGS):
            raise ValueError('Blynk settings: an object with %s' % ', '.join(self.SETTINGS))
        if 'claim_answer' in settings:
            if settings['claim_answer'] not in CLAIM_ANSWERS:
                raise ValueError('claim_answer must be one of %s' % ', '.join(CLAIM_ANSWERS))
            self.claim_answer = settings['claim_answer']
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
            ('GET', org + r'/static-tokens', 'blynk.static_tokens', self.static_token_list),
            ('POST', org + r'/static-tokens/claim', 'blynk.claim', self.claim),
            ('GET', org + r'/templates', 'blynk.template_list', self.template_list),
            ('GET', org + r'/template/metafields', 'blynk.template_metafields', self.template_metafields),
            ('GET', org + r'/device/metafield', 'blynk.device_metafields', self.device_metafields),
            ('POST', org + r'/device/metafield', 'blynk.metafield_set', self.metafield_set),
            ('GET', org + r'/device/baseInfo', 'blynk.device_base_info', self.device_base_info),
            ('GET', org + r'/device', 'blynk.device_get', self.device_get),
            ('PUT', org + r'/device', 'blynk.device_rename', self.device_rename),
            ('DELETE', org + r'/device', 'blynk.device_delete', self.device_delete),
            ('GET', org + r'/search/devices', 'blynk.search', self.search),
            ('GET', org + r'/devices', 'blynk.device_list', self.device_list),
        ]

    def describe(self):
        """The admin view: each device as Blynk shows it, plus `metaFields`
        (name and plain value) for the tests' convenience."""
        devices = []
        for _, device in sorted(self.devices.items()):
            entry = self.device_json(device)
            entry['metaFields'] = [{'id': mf['id'], 'name': mf['name'], 'value': mf['value']['value']}
                                   for mf in self.metafield_values(device)]
            devices.append(entry)
        return {
            'devices': devices,
            'static_tokens': {t: {'template_id': s['template_id'], 'device_id': s['device_id'],
                                  'owner_id': s['owner_id']}
                              for t, s in self.static_tokens.items()},
            'access_tokens': len(self.access_tokens),
            'settings': self.settings(),
        }

    # --- OAuth2 -------------------------------------------------------------

    def issue_token(self, client_id):
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32)
        self.access_tokens[access] = {'client_id': client_id,
                                      'expires_at': time.time() + self.token_lifetime_s}
        self.refresh_tokens[refresh] = client_id
        return 200, {'access_token': access, 'token_type': 'Bearer',
                     'expires_in': max(1, math.ceil(self.token_lifetime_s)), 'refresh_token': refresh}

    def token(self, req):
        """Every failure is a 400 with an RFC 6749 error code, as documented."""
        grant = req.query_one('grant_type') or req.form().get('grant_type')
        scheme, _, encoded = req.headers.get('Authorization', '').partition(' ')
        if scheme.lower() != 'basic' or not encoded:
            raise oauth_error(400, 'invalid_client', TEXT_BAD_CLIENT)
        try:
            client_id, _, secret = base64.b64decode(encoded, validate=True).decode('utf-8').partition(':')
        except (ValueError, UnicodeDecodeError):
            raise oauth_error(400, 'invalid_request', 'Malformed Basic credentials.')
        if self.clients.get(client_id) is None or not secrets.compare_digest(self.clients[client_id], secret):
            raise oauth_error(400, 'invalid_client', TEXT_BAD_CLIENT)
        if grant is None:
            raise oauth_error(400, 'invalid_request', 'Missing grant_type.')
        if grant == 'refresh_token':
            refresh = req.query_one('refresh_token') or req.form().get('refresh_token')
            if refresh is None or self.refresh_tokens.get(refresh) != client_id:
                raise oauth_error(400, 'invalid_grant', 'Refresh token is invalid or expired.')
            del self.refresh_tokens[refresh]
            return self.issue_token(client_id)
        if grant != 'client_credentials':
            raise oauth_error(400, 'unsupported_grant_type', 'Grant type %s is not supported.' % grant)
        return self.issue_token(client_id)

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
        """The documented device object (create, get, edit, list pages)."""
        template = self.templates[device['template_id']]
        return {
            'id': device['id'],
            'templateId': template['id'],
            'orgId': self.org_id,
            'name': device['name'],
            'token': device['token'],
            'ownerUserId': device['owner_id'],
            'activatedAt': device['created_at'],
            'hardwareInfo': {'templateId': template['template_id'], 'fwType': template['template_id'],
                             'version': '1.0.0', 'blynkVersion': '1.0.0', 'boardType': 'LoRaWAN', 'build': '1'},
        }

    def metafield_values(self, device):
        template = self.templates[device['template_id']]
        return [{'id': mf['id'], 'name': mf['name'],
                 'value': {'type': mf['type'],
                           'value': device['name'] if mf['type'] == 'DeviceName'
                           else device['metafields'].get(mf['id'], '')}}
                for mf in template['metafields']]

    def single_device_json(self, device):
        answer = self.device_json(device)
        answer.update({'lifecycleStatus': 'ACTIVE', 'isLocked': False, 'createdAt': device['created_at'],
                       'updatedAt': device['updated_at']})
        return answer

    def check_owner(self, owner_id):
        if owner_id not in self.users:
            raise blynk_error(404, TEXT_USER_NOT_FOUND, reason='owner_not_found')

    def new_device(self, template, name, owner_id, static_token=None):
        now = int(time.time() * 1000)
        device = {'id': self.next_device_id, 'name': name, 'owner_id': owner_id,
                  'template_id': template['template_id'], 'token': secrets.token_urlsafe(24)[:32],
                  'created_at': now, 'updated_at': now, 'metafields': {}, 'static_token': static_token}
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

    def check_org(self, body):
        org_id = int_field(body, 'orgId', required=False)
        if org_id is not None and org_id != self.org_id:
            raise blynk_error(404, TEXT_ORG_NOT_FOUND, reason='org_not_found')

    def device_create(self, req):
        self.authorize(req)
        body = self.body(req, ('templateId', 'name', 'ownerId', 'orgId'))
        template_id = body.get('templateId')
        if not isinstance(template_id, str):
            raise blynk_error(400, 'templateId must be the template\'s TMPL id string.', reason='bad_templateId')
        check_name(body.get('name'))
        owner_id = int_field(body, 'ownerId')
        self.check_org(body)
        template = self.templates.get(template_id)
        if template is None:
            raise blynk_error(404, TEXT_TEMPLATE_NOT_FOUND, reason='template_not_found')
        self.check_owner(owner_id)
        return 201, self.device_json(self.new_device(template, body['name'], owner_id))

    def find_device(self, value):
        if value is None or not str(value).isdigit():
            raise blynk_error(400, 'deviceId must be a number.', reason='bad_deviceId')
        device = self.devices.get(int(value))
        if device is None:
            raise blynk_error(404, TEXT_DEVICE_NOT_FOUND % value, reason='device_not_found')
        return device

    def device_get(self, req):
        self.authorize(req)
        device = self.find_device(req.query_one('deviceId'))
        answer = self.single_device_json(device)
        answer['dataStreamValues'] = []
        answer['metaFieldValues'] = self.metafield_values(device)
        return 200, answer

    def device_base_info(self, req):
        self.authorize(req)
        return 200, self.single_device_json(self.find_device(req.query_one('deviceId')))

    def device_rename(self, req):
        self.authorize(req)
        device = self.find_device(req.query_one('deviceId'))
        body = self.body(req, ('name',))
        check_name(body.get('name'))
        device['name'] = body['name']
        device['updated_at'] = int(time.time() * 1000)
        return 200, self.device_json(device)

    def device_delete(self, req):
        self.authorize(req)
        device = self.find_device(req.query_one('deviceId'))
        del self.devices[device['id']]
        if device['static_token']:
            entry = self.static_tokens[device['static_token']]
            entry['device_id'], entry['owner_id'] = None, 0
        return 204, None

    def device_list(self, req):
        self.authorize(req)
        return page(req, [self.device_json(d) for _, d in sorted(self.devices.items())])

    def search(self, req):
        """Matches parts of names, ignoring case: not an exact lookup."""
        self.authorize(req)
        query = req.query_one('query')
        if query is None or not query or len(query) > SEARCH_QUERY_MAX:
            raise blynk_error(400, 'query is required and at most %d characters long.' % SEARCH_QUERY_MAX,
                              reason='bad_query')
        order = req.query_one('sortOrder') or 'ASC'
        if order not in ('ASC', 'DESC'):
            raise blynk_error(400, 'sortOrder must be ASC or DESC.', reason='bad_sortOrder')
        needle = query.lower()
        found = [self.device_json(d) for _, d in sorted(self.devices.items(), reverse=order == 'DESC')
                 if needle in d['name'].lower()]
        return page(req, found)

    # --- templates and metafields ------------------------------------------

    def template_list(self, req):
        self.authorize(req)
        return page(req, [{'id': t['id'], 'templateIds': [t['template_id']], 'parentId': 0,
                           'orgId': self.org_id, 'name': t['name']}
                          for t in sorted(self.templates.values(), key=lambda t: t['id'])])

    def template_metafields(self, req):
        self.authorize(req)
        value = req.query_one('templateId')
        if value is None or not value.isdigit():
            raise blynk_error(400, 'templateId must be the numeric template id.', reason='bad_templateId')
        template = self.templates_by_number.get(int(value))
        if template is None:
            raise blynk_error(404, TEXT_TEMPLATE_NO_ACCESS, reason='template_not_found')
        return 200, [{'id': mf['id'], 'name': mf['name'], 'type': mf['type'],
                      'description': mf.get('description', '')} for mf in template['metafields']]

    def device_metafields(self, req):
        self.authorize(req)
        device = self.find_device(req.query_one('deviceId'))
        return 200, [{'id': mf['id'], 'name': mf['name'], 'value': mf['value']['value']}
                     for mf in self.metafield_values(device)]

    def metafield_set(self, req):
        self.authorize(req)
        body = self.body(req, ('deviceId', 'metaFieldId', 'newValue'))
        device_id = int_field(body, 'deviceId')
        field_id = int_field(body, 'metaFieldId')
        value = body.get('newValue')
        if not isinstance(value, str):
            raise blynk_error(400, TEXT_METAFIELD_INVALID, reason='bad_newValue')
        device = self.find_device(device_id)
        template = self.templates[device['template_id']]
        field = next((mf for mf in template['metafields'] if mf['id'] == field_id), None)
        if field is None:
            raise blynk_error(404, TEXT_METAFIELD_NOT_FOUND, reason='metafield_not_found')
        if field['type'] == 'DeviceName':
            try:
                check_name(value)
            except Exception:
                raise blynk_error(400, TEXT_METAFIELD_INVALID, reason='name_invalid')
            device['name'] = value
        elif len(value) > METAFIELD_VALUE_MAX:
            raise blynk_error(400, TEXT_METAFIELD_INVALID, reason='metafield_too_long')
        device['metafields'][field_id] = value
        device['updated_at'] = int(time.time() * 1000)
        if self.on_metafields:
            self.on_metafields(device)
        return 204, None

    # --- static tokens ------------------------------------------------------

    def static_token_json(self, plain, entry):
        claimed = entry['device_id'] is not None
        return {
            'token': plain,
            'orgId': self.org_id,
            'productId': self.templates[entry['template_id']]['id'],
            'deviceToken': entry['device_token'],
            'createdAt': entry['created_at'],
            'status': 'CLAIMED' if claimed else 'UNCLAIMED',
            'ownerId': entry['owner_id'] if claimed else 0,
            'deviceId': entry['device_id'] if claimed else 0,
            'claimedOrgId': self.org_id if claimed else 0,
        }

    def static_token_list(self, req):
        self.authorize(req)
        return page(req, [self.static_token_json(t, e) for t, e in sorted(self.static_tokens.items())])

    def claim(self, req):
        """Undocumented body and answer: {"token", "userId"} in; the device
        object (or, with claim_answer "empty", 204 without a body) out."""
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
        device['token'] = entry['device_token']
        entry['device_id'], entry['owner_id'] = device['id'], user_id
        if self.claim_answer == 'empty':
            return 204, None
        return 200, self.device_json(device)
