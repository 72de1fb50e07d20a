"""The End Device Claiming Server with its external Join Server table:
claim info, claim, status and unclaim, and the flow that follows a claim
(IS without join_server_address, NS, AS, never the cluster's JS)."""

import unittest

from simtest import APP, KEY_OTHER_APP, KEY_READ_ONLY, SimTestCase

JOIN_EUI = 'EC656E0000000101'
DEV_EUI = '0018B2000000C101'
TOKEN = 'OT' + DEV_EUI
DEVICE_ID = 'eui-' + DEV_EUI.lower()


def claim_body(dev_eui=DEV_EUI, token=TOKEN, app=APP, device_id=DEVICE_ID, join_eui=JOIN_EUI):
    return {'authenticated_identifiers': {'join_eui': join_eui, 'dev_eui': dev_eui, 'authentication_code': token},
            'target_application_ids': {'application_id': app}, 'target_device_id': device_id}


class Claiming(SimTestCase):
    def claim(self, key=None, **kwargs):
        return self.sim.tts('POST', '/edcs/claim', claim_body(**kwargs), **({'key': key} if key else {}))

    def status(self, method='GET', device_id=DEVICE_ID, app=APP):
        return self.sim.tts(method, '/edcs/claim/%s/devices/%s' % (app, device_id))

    def create_after_claim(self, dev_eui=DEV_EUI, device_id=DEVICE_ID, key=None, app=APP):
        """IS without join_server_address, then NS and AS, as ttn-lw-cli does."""
        ids = {'device_id': device_id, 'dev_eui': dev_eui, 'join_eui': JOIN_EUI,
               'application_ids': {'application_id': app}}
        extra = {'key': key} if key else {}
        status, body = self.sim.tts('POST', '/applications/%s/devices' % app, {'end_device': {
            'ids': ids, 'network_server_address': '127.0.0.1', 'application_server_address': '127.0.0.1'}}, **extra)
        if status != 200:
            return status, body
        ns = {'ids': ids, 'supports_join': True, 'lorawan_version': 'MAC_V1_0_3',
              'lorawan_phy_version': 'PHY_V1_0_3_REV_A', 'frequency_plan_id': 'EU_863_870_TTN'}
        for component, device, paths in (('ns', ns, ['supports_join', 'lorawan_version', 'lorawan_phy_version',
                                                     'frequency_plan_id']), ('as', {'ids': ids}, [])):
            status, body = self.sim.component_set(component, device_id, device, paths, app=app, **extra)
            self.assertEqual(status, 200, body)
        return 200, body

    def test_claim_info(self):
        self.assertEqual(self.sim.tts('POST', '/edcs/claim/info', {'join_eui': JOIN_EUI.lower()}),
                         (200, {'join_eui': JOIN_EUI, 'supports_claiming': True}))
        # false is left out, as TTS's marshaler does
        self.assertEqual(self.sim.tts('POST', '/edcs/claim/info', {'join_eui': '70B3D57ED0000010'}),
                         (200, {'join_eui': '70B3D57ED0000010'}))
        self.assertDecodeError(self.sim.tts('POST', '/edcs/claim/info', {'join_eui': 'EC656E00'}))
        self.assertDecodeError(self.sim.tts('POST', '/edcs/claim/info', {'joinEUI': JOIN_EUI}))

    def test_claim_then_create_never_writes_the_cluster_js(self):
        status, body = self.claim()
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {'device_id': DEVICE_ID, 'application_ids': {'application_id': APP},
                                'dev_eui': DEV_EUI, 'join_eui': JOIN_EUI})
        self.assertEqual(self.create_after_claim()[0], 200)
        state = self.sim.state()
        self.assertEqual(state['tts']['claims'], {DEV_EUI: {'join_eui': JOIN_EUI, 'application_id': APP,
                                                            'device_id': DEVICE_ID, 'home_net_id': '000013'}})
        self.assertEqual((state['tts']['js'], state['tts']['js_written']), ({}, []))
        self.assertEqual(self.status(), (200, {'end_device_ids': {
            'device_id': DEVICE_ID, 'application_ids': {'application_id': APP}, 'dev_eui': DEV_EUI,
            'join_eui': JOIN_EUI}, 'home_net_id': '000013'}))

    def test_js_writes_are_recorded(self):
        self.assertEqual(self.sim.register(), [200, 200, 200, 200])
        self.assertEqual(self.sim.state()['tts']['js_written'], ['0018B20000000101'])

    def test_claiming_into_our_application_twice_is_accepted(self):
        self.assertEqual(self.claim()[0], 200)
        self.assertEqual(self.claim()[0], 200)
        self.assertEqual(list(self.sim.state()['tts']['claims']), [DEV_EUI])

    def test_claimed_into_another_application_of_this_cluster(self):
        # The Join Server sees the same claimant; the IS names the holder.
        self.assertEqual(self.claim(key=KEY_OTHER_APP, app='other-app')[0], 200)
        self.assertEqual(self.create_after_claim(key=KEY_OTHER_APP, app='other-app')[0], 200)
        self.assertEqual(self.claim()[0], 200)
        detail = self.assertTTSError(self.create_after_claim(device_id='mine'), 409, 'end_device_euis_taken')
        self.assertEqual((detail['attributes']['application_id'], detail['attributes']['device_id']),
                         ('other-app', DEVICE_ID))

    def test_refusals(self):
        detail = self.assertTTSError(self.claim(token='OTWRONG'), 400, 'device_access_denied')
        self.assertEqual((detail['namespace'], detail['attributes']),
                         ('pkg/deviceclaimingserver/enddevices/ttjsv2', {'dev_eui': DEV_EUI}))
        self.assertTTSError(self.claim(dev_eui='0018B2000000C1FF', token='OTCLAIMEDELSEWHERE'), 400,
                            'device_access_denied')
        self.assertTTSError(self.claim(dev_eui='0018B2000000C1F0'), 404, 'device_not_provisioned')
        detail = self.assertTTSError(self.claim(join_eui='70B3D57ED0000010'), 409, 'claiming_not_supported')
        self.assertEqual(detail['attributes'], {'eui': '70B3D57ED0000010'})
        self.assertEqual(self.sim.state()['tts']['claims'], {})

    def test_field_rules_and_rights(self):
        for body, field, cause in ((dict(claim_body(), target_application_ids=None), 'target_application_ids', None),
                                   (claim_body(token='ot' + DEV_EUI), 'authenticated_identifiers',
                                    'authentication_code'),
                                   (claim_body(token='O' * 33), 'authenticated_identifiers', 'authentication_code'),
                                   (claim_body(app='Bad_App'), 'target_application_ids', 'application_id'),
                                   (claim_body(device_id='Bad_ID'), 'target_device_id', None),
                                   ({'target_application_ids': {'application_id': APP}}, 'source_device', None)):
            body = {k: v for k, v in body.items() if v is not None}
            detail = self.assertTTSError(self.sim.tts('POST', '/edcs/claim', body), 400, 'validation')
            self.assertEqual((detail['attributes']['field'], detail.get('cause', {}).get('attributes', {}).get('field')),
                             (field, cause))
        self.assertDecodeError(self.sim.tts('POST', '/edcs/claim', dict(claim_body(), target_device=DEVICE_ID)))
        self.assertDecodeError(self.claim(dev_eui='0018B2000000C1'))
        self.assertTTSError(self.claim(key=KEY_READ_ONLY), 403, 'insufficient_application_rights')
        self.assertTTSError(self.claim(key=KEY_OTHER_APP), 403, 'no_application_rights')

    def test_status_and_unclaim(self):
        self.assertTTSError(self.status(), 404, 'device_not_found')  # no IS record yet
        self.assertEqual(self.claim()[0], 200)
        self.assertTTSError(self.status('DELETE'), 404, 'device_not_found')
        self.assertEqual(self.create_after_claim()[0], 200)
        self.assertEqual(self.status('DELETE'), (200, {}))
        self.assertEqual(self.sim.state()['tts']['claims'], {})
        self.assertTTSError(self.status(), 404, 'device_not_claimed')
        self.assertTTSError(self.status('DELETE'), 404, 'device_not_claimed')
        self.assertEqual(self.sim.register()[0], 200)  # a device with a cluster JoinEUI
        self.assertTTSError(self.status(device_id='eui-0018b20000000101'), 409, 'claiming_not_supported')
        status, body = self.sim.tts('GET', '/edcs/claim/%s/devices/%s' % (APP, DEVICE_ID), key=KEY_READ_ONLY)
        self.assertEqual((status, body['details'][0]['name']), (403, 'insufficient_application_rights'))


if __name__ == '__main__':
    unittest.main()
