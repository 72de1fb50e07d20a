"""The Things Stack's Device Repository: GetTemplate by TR005 end-device
profile identifiers (VendorID, VendorProfileID), answered from a small
profile table in the configuration (tts.device_repository.profiles).

Rules and shapes from lorawan-stack v3.32: the routes and field rules of
devicerepository.proto; pkg/devicerepository/grpc.go (GetTemplate only
requires an authenticated caller, no application rights);
pkg/devicerepository/store/bleve/store.go (missing_profile_identifiers,
end_device_profile_not_found); store/remote/remote.go (version_ids from
the profile's brand, model, versions and band); store/profiles.go
(ToTemplatePB: the end device, mac_settings always set, and the field mask
it fills in)."""

from .errors import ApiError, tts_error
from .tts import MAC_VERSIONS, PHY_BY_NAME, embedded_validation_error, encode_device, parse_uint

BLEVE = 'pkg/devicerepository/store/bleve'
VERSION_IDS = ('brand_id', 'model_id', 'hardware_version', 'firmware_version', 'band_id')
PROFILE_KEYS = set(VERSION_IDS) | {'vendor_id', 'vendor_profile_id', 'lorawan_version', 'lorawan_phy_version',
                                   'supports_join', 'supports_class_b', 'supports_class_c', 'mac_settings'}


def check_profiles(profiles, bands):
    """Configuration check, naming the bad entry."""
    seen = set()
    for profile in profiles:
        where = 'device repository profile %s/%s' % (profile.get('vendor_id'), profile.get('vendor_profile_id'))
        unknown = sorted(set(profile) - PROFILE_KEYS)
        if unknown:
            raise ValueError('%s: unknown key %s' % (where, unknown[0]))
        for key in ('vendor_id', 'vendor_profile_id'):
            if not isinstance(profile.get(key), int) or not 1 <= profile[key] < 1 << 32:
                raise ValueError('%s: %s must be a number from 1' % (where, key))
        if (profile['vendor_id'], profile['vendor_profile_id']) in seen:
            raise ValueError('%s is listed twice' % where)
        seen.add((profile['vendor_id'], profile['vendor_profile_id']))
        if profile.get('lorawan_version') not in MAC_VERSIONS or profile.get('lorawan_phy_version') not in PHY_BY_NAME:
            raise ValueError('%s: lorawan_version and lorawan_phy_version must be TTS enum names' % where)
        if 'band_id' in profile and profile['band_id'] not in bands:
            raise ValueError('%s: unknown band %r' % (where, profile['band_id']))


class DeviceRepository:
    def __init__(self, config, tts):
        self.tts = tts
        self.profiles = {(p['vendor_id'], p['vendor_profile_id']): p
                         for p in config['tts'].get('device_repository', {}).get('profiles', [])}

    def routes(self):
        ids = r'vendors/(?P<vendor>[^/]+)/profiles/(?P<profile>[^/]+)/template'
        return [
            ('GET', r'/api/v3/dr/' + ids, 'tts.dr.template', self.get_template),
            ('GET', r'/api/v3/dr/applications/(?P<app>[^/]+)/' + ids, 'tts.dr.template', self.get_template),
        ]

    def get_template(self, req, vendor, profile, app=None):
        vendor_id = parse_uint(vendor, 'end_device_profile_ids.vendor_id')
        profile_id = parse_uint(profile, 'end_device_profile_ids.vendor_profile_id')
        # GetTemplateRequest's field rules, checked by the validator first.
        if vendor_id < 1:
            raise embedded_validation_error('end_device_profile_ids', 'vendor_id',
                                            'value must be greater than or equal to 1')
        if app is not None:
            self.tts.check_device_id(app, 'application_id', embedded_in='application_ids')
        try:
            self.tts.authenticate(req)
        except ApiError:
            # rights.RequireAuthenticated wraps the cause in its own error.
            raise tts_error(16, 'pkg/auth/rights', 'unauthenticated', 'unauthenticated')
        if profile_id == 0:
            raise tts_error(3, BLEVE, 'missing_profile_identifiers',
                            'both vendor ID and vendor profile ID must be provided')
        entry = self.profiles.get((vendor_id, profile_id))
        if entry is None:
            raise tts_error(5, BLEVE, 'end_device_profile_not_found',
                            'end device profile not found for vendor ID `{vendor_id}` and vendor profile ID '
                            '`{vendor_profile_id}`', {'vendor_id': vendor_id, 'vendor_profile_id': profile_id})
        return 200, template(entry)


def template(profile):
    """An EndDeviceTemplate as ToTemplatePB builds it: false values are
    left out by TTS's JSON marshaler, mac_settings is always an object."""
    mac_settings = dict(profile.get('mac_settings', {}))
    device = {
        'version_ids': {k: profile[k] for k in VERSION_IDS if profile.get(k)},
        'supports_join': profile.get('supports_join', True),
        'supports_class_b': profile.get('supports_class_b', False),
        'supports_class_c': profile.get('supports_class_c', False),
        'lorawan_version': MAC_VERSIONS[profile['lorawan_version']],
        'lorawan_phy_version': PHY_BY_NAME[profile['lorawan_phy_version']],
        'mac_settings': mac_settings,
    }
    device = {k: v for k, v in device.items() if v is not False}
    paths = ['version_ids', 'supports_join', 'supports_class_b', 'supports_class_c', 'lorawan_version',
             'lorawan_phy_version'] + ['mac_settings.' + k for k in mac_settings]
    return {'end_device': encode_device(device), 'field_mask': {'paths': paths}}
