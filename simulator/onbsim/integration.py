"""Blynk's The Things Stack integration, as Blynk's guide describes it
(docs/blynk-api.md, "Integration metafields" and "Automated Device
Onboarding"): on PRO plans it creates the TTS device once a Blynk device
has its Device EUI, Join EUI and Application Key; on the Free plan it
imports a TTS device on its first uplink unless a Blynk device already
points at it.

It talks to the simulated TTS through the same handlers (and rules) as any
client, with the API key the site gave Blynk, but its requests are not
counted or logged as client requests. What the guide does not say is
marked "assumed" here and listed in simulator/README.md."""

import copy
import threading
import time

from .errors import ApiError

DEFAULT_FIELDS = {'dev_eui': 'Device EUI', 'join_eui': 'Join EUI', 'app_key': 'Application Key',
                  'ttn_device': 'TheThingsNetwork Device'}
AUTOMATION_DEFAULTS = {
    'enabled': False,
    'lorawan_version': 'MAC_V1_0_3',
    'lorawan_phy_version': 'PHY_V1_0_3_REV_A',
    'frequency_plan_id': 'EU_863_870_TTN',
    'supports_class_b': False,
    'supports_class_c': False,
    'delay_s': 0,
    # Assumed: Blynk's scheme is not documented; {dev_eui}, {join_eui}
    # (lower-case hex) and {blynk_id} are filled in.
    'device_id_scheme': 'eui-{dev_eui}',
    # Assumed: whether Blynk writes TheThingsNetwork Device back is not documented.
    'write_back': True,
}
SETTING_TYPES = {'enabled': bool, 'lorawan_version': str, 'lorawan_phy_version': str, 'frequency_plan_id': str,
                 'supports_class_b': bool, 'supports_class_c': bool, 'delay_s': (int, float),
                 'device_id_scheme': str, 'write_back': bool, 'import_on_uplink': bool}


def template_settings(template):
    """The integration's settings of one template; None when the template
    is not connected to it."""
    integration = template.get('ttn_integration')
    if integration is None:
        return None
    settings = dict(AUTOMATION_DEFAULTS)
    settings.update(integration.get('automated_onboarding', {}))
    settings['import_on_uplink'] = integration.get('import_on_uplink', False)
    settings['application_id'] = integration['application_id']
    settings['api_key'] = integration.get('api_key')
    settings['metafields'] = dict(DEFAULT_FIELDS, **integration.get('metafields', {}))
    return settings


def check_settings(values, where):
    for key, value in values.items():
        kind = SETTING_TYPES.get(key)
        if kind is None:
            raise ValueError('%s: unknown setting %r (known: %s)' % (where, key, ', '.join(sorted(SETTING_TYPES))))
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise ValueError('%s: %r has the wrong type' % (where, key))
    if values.get('delay_s', 0) < 0:
        raise ValueError('%s: delay_s must be >= 0' % where)
    scheme = values.get('device_id_scheme')
    if scheme is not None:
        try:
            scheme.format(dev_eui='', join_eui='', blynk_id=0)
        except (KeyError, IndexError, ValueError):
            raise ValueError('%s: device_id_scheme may only use {dev_eui}, {join_eui} and {blynk_id}' % where)


class Integration:
    def __init__(self, config, tts, blynk, lock, call, server_address):
        """@call(method, path, body, key) runs a TTS request through the
        simulator's handlers; @server_address() is the host:port the
        integration writes as the devices' server addresses."""
        self.tts = tts
        self.blynk = blynk
        self.lock = lock
        self.call = call
        self.server_address = server_address
        self.owner_id = config['blynk']['users'][0]['id']
        self.start = {}
        for template in config['blynk']['templates']:
            settings = template_settings(template)
            if settings is not None:
                if settings['api_key'] is None:
                    settings['api_key'] = self.default_key(settings['application_id'])
                self.start[template['template_id']] = settings
        self.timers = set()
        self.reset()

    def default_key(self, application_id):
        """The guide's key: view device keys, create devices, edit device keys."""
        for key in self.tts.keys.values():
            if key['application_id'] == application_id and 'RIGHT_APPLICATION_DEVICES_WRITE_KEYS' in key['rights']:
                return key['key']
        raise ValueError('no API key with device key rights for application %r to give Blynk' % application_id)

    def reset(self):
        for timer in self.timers:
            timer.cancel()
        self.timers = set()
        self.settings = copy.deepcopy(self.start)
        self.created = []      # TTS devices the integration made
        self.refused = []      # attempts TTS refused (e.g. EUIs taken)
        self.imports = []      # Blynk devices imported on a first uplink
        self.handled = {}      # Blynk device id -> the (DevEUI, JoinEUI, AppKey) it acted on

    def describe(self):
        templates = {}
        for template_id, settings in self.settings.items():
            templates[template_id] = {k: v for k, v in settings.items() if k != 'api_key'}
        return {'templates': templates, 'created': list(self.created), 'refused': list(self.refused),
                'pending': len(self.timers), 'imported': len(self.imports), 'imports': list(self.imports)}

    def configure(self, body):
        """Admin: {"template_id": "TMPL…", <setting>: value, …}."""
        template_id = body.get('template_id')
        if template_id not in self.settings:
            raise ValueError('template_id must name a template connected to the integration: %s'
                             % ', '.join(sorted(self.settings)))
        values = {k: v for k, v in body.items() if k != 'template_id'}
        check_settings(values, 'integration of %s' % template_id)
        self.settings[template_id].update(values)

    # --- automated device onboarding ----------------------------------------

    def field_values(self, device, settings):
        template = self.blynk.templates[device['template_id']]
        ids = {mf['name']: mf['id'] for mf in template['metafields']}
        return {role: device['metafields'].get(ids.get(name), '') for role, name in settings['metafields'].items()}

    def metafields_changed(self, device):
        """Hook after every metafield write."""
        settings = self.settings.get(device['template_id'])
        if not settings or not settings['enabled']:
            return
        values = self.field_values(device, settings)
        wanted = (values['dev_eui'], values['join_eui'], values['app_key'])
        # Assumed: Blynk acts once per set of the three values, and again
        # when they change.
        if not all(wanted) or self.handled.get(device['id']) == wanted:
            return
        self.handled[device['id']] = wanted
        if settings['delay_s'] <= 0:
            self.create(device['id'])
            return
        blynk_id = device['id']
        timer = threading.Timer(settings['delay_s'], lambda: self.create_later(blynk_id, timer))
        timer.daemon = True
        self.timers.add(timer)
        timer.start()

    def create_later(self, blynk_id, timer):
        with self.lock:
            if timer not in self.timers:
                return  # reset meanwhile
            self.timers.discard(timer)
            self.create(blynk_id)

    def create(self, blynk_id):
        """IS, JS, NS, AS as Blynk's integration would, with the values the
        metafields hold now; then TheThingsNetwork Device."""
        device = self.blynk.devices.get(blynk_id)
        if device is None:
            return  # deleted meanwhile
        settings = self.settings[device['template_id']]
        values = self.field_values(device, settings)
        dev_eui, join_eui = values['dev_eui'].upper(), values['join_eui'].upper()
        device_id = settings['device_id_scheme'].format(dev_eui=dev_eui.lower(), join_eui=join_eui.lower(),
                                                       blynk_id=blynk_id)
        app = settings['application_id']
        address = self.server_address()
        ids = {'device_id': device_id, 'dev_eui': dev_eui, 'join_eui': join_eui,
               'application_ids': {'application_id': app}}
        base = '/api/v3/%%s/applications/%s/devices/%s' % (app, device_id)
        steps = [
            ('POST', '/api/v3/applications/%s/devices' % app, {'end_device': {
                'ids': ids, 'network_server_address': address, 'application_server_address': address,
                'join_server_address': address}}),
            ('PUT', base % 'js', {'end_device': {
                'ids': ids, 'root_keys': {'app_key': {'key': values['app_key'].upper()}},
                'network_server_address': address, 'application_server_address': address},
                'field_mask': {'paths': ['root_keys.app_key.key', 'network_server_address',
                                         'application_server_address']}}),
            ('PUT', base % 'ns', {'end_device': {
                'ids': ids, 'supports_join': True, 'lorawan_version': settings['lorawan_version'],
                'lorawan_phy_version': settings['lorawan_phy_version'],
                'frequency_plan_id': settings['frequency_plan_id'],
                'supports_class_b': settings['supports_class_b'], 'supports_class_c': settings['supports_class_c']},
                'field_mask': {'paths': ['supports_join', 'lorawan_version', 'lorawan_phy_version',
                                         'frequency_plan_id', 'supports_class_b', 'supports_class_c']}}),
            ('PUT', base % 'as', {'end_device': {'ids': ids}, 'field_mask': {'paths': []}}),
        ]
        entry = {'blynk_device_id': blynk_id, 'template_id': device['template_id'], 'application_id': app,
                 'device_id': device_id, 'dev_eui': dev_eui, 'join_eui': join_eui,
                 'at_ms': int(time.time() * 1000)}
        for method, path, body in steps:
            try:
                self.call(method, path, body, settings['api_key'])
            except ApiError as e:
                # Assumed: on any refusal (an existing device: "EUIs taken")
                # Blynk does nothing further and leaves what it made.
                self.refused.append(dict(entry, step=path.split('/')[3] if method == 'PUT' else 'is',
                                         status=e.status, name=e.reason))
                return
        self.created.append(entry)
        if settings['write_back']:
            self.set_field(device, settings['metafields']['ttn_device'], device_id)

    def set_field(self, device, name, value):
        template = self.blynk.templates[device['template_id']]
        field = next((mf for mf in template['metafields'] if mf['name'] == name), None)
        if field is not None:
            device['metafields'][field['id']] = value
            device['updated_at'] = int(time.time() * 1000)

    # --- the Free plan's import -----------------------------------------------

    def uplink(self, body):
        """Admin: a TTS device's first uplink. Blynk imports it as a new
        device of the template connected to its application unless a Blynk
        device points at it through TheThingsNetwork Device."""
        app, device_id = body.get('application_id'), body.get('device_id')
        if (app, device_id) not in self.tts.records['is']:
            raise ValueError('no TTS device %s/%s to send an uplink' % (app, device_id))
        connected = {t: s for t, s in self.settings.items() if s['application_id'] == app}
        for blynk_id, device in sorted(self.blynk.devices.items()):
            settings = connected.get(device['template_id'])
            if settings and self.field_values(device, settings)['ttn_device'] == device_id:
                return {'imported': False, 'blynk_device_id': blynk_id}
        template_id = next((t for t, s in sorted(connected.items()) if s['import_on_uplink']), None)
        if template_id is None:
            return {'imported': False, 'blynk_device_id': None}
        # Assumed: the imported device is named after the TTS device ID,
        # belongs to the first user and has only TheThingsNetwork Device set.
        device = self.blynk.new_device(self.blynk.templates[template_id], device_id, self.owner_id)
        self.set_field(device, connected[template_id]['metafields']['ttn_device'], device_id)
        self.imports.append({'blynk_device_id': device['id'], 'template_id': template_id, 'application_id': app,
                             'device_id': device_id, 'at_ms': int(time.time() * 1000)})
        return {'imported': True, 'blynk_device_id': device['id']}
