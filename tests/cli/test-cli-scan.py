#!/usr/bin/python3
"""onboarder-cli scan: images, pipelines, errors and --provision, end to end.

Still images are drawn by qrencode at test time; --provision runs the job
engine against the Blynk/TTS simulator, as the kiosk does after a camera scan.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

SRCDIR = os.environ.get('G_TEST_SRCDIR', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
sys.path.insert(0, os.path.join(SRCDIR, 'simulator'))
import simtest  # noqa: E402

CLI = os.environ['ONBOARDER_CLI']
LABELS = [l.strip() for l in open(os.path.join(SRCDIR, '..', 'data', 'samples', 'labels.txt')) if l.strip()]
DEVICES = os.path.join(SRCDIR, '..', 'data', 'samples', 'devices.csv')


def run(*args, config=None, timeout=120):
    argv = [CLI] + list(args)
    if config:
        argv[2:2] = ['--config', config]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class ScanCli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix='onb-cli-scan-')
        self.config = os.path.join(self.tmp.name, 'onboarder.conf')
        with open(self.config, 'w') as f:
            f.write('[labels]\nprofile_ids=000AF8BE\n[kiosk]\ndata_dir=%s\n' % self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def png(self, name, payload, module=4):
        path = os.path.join(self.tmp.name, name)
        subprocess.run(['qrencode', '-s', str(module), '-m', '4', '-o', path, payload], check=True)
        return path

    def test_images_json(self):
        good = self.png('good.png', LABELS[0])
        other = self.png('other.png', LABELS[7])
        url = self.png('url.png', LABELS[9])
        result = run('scan', '--json', good, other, url, config=self.config)
        self.assertEqual(result.returncode, 1, result.stderr)
        codes = json_lines(result.stdout)
        self.assertEqual([c['payload'] for c in codes], [LABELS[0], LABELS[7], LABELS[9]])
        self.assertEqual([c['accepted'] for c in codes], [True, False, False])
        self.assertEqual([c['reason'] for c in codes], [None, 'profile-mismatch', 'not-a-device-label'])
        self.assertEqual(codes[0]['kind'], 'tr005')
        self.assertEqual(codes[0]['dev_eui'], '0018B20000000101')
        self.assertEqual(codes[0]['payload_hex'], LABELS[0].encode().hex())
        self.assertEqual(len(codes[0]['corners']), 4)
        self.assertEqual(codes[0]['source'], good)
        self.assertEqual(codes[0]['frame_time'], 0.0)

    def test_image_human(self):
        result = run('scan', self.png('token.png', LABELS[6]), config=self.config)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('ACCEPTED', result.stdout)
        self.assertIn('blynk-static-token', result.stdout)

    def test_nothing_found(self):
        blank = os.path.join(self.tmp.name, 'blank.png')
        subprocess.run(['convert', '-size', '320x240', 'xc:white', blank], check=True)
        result = run('scan', blank, config=self.config)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, '')
        self.assertIn('No label code was found', result.stderr)

    def test_pipeline_max_codes(self):
        pipeline = ('videotestsrc is-live=true pattern=white ! video/x-raw,width=640,height=480,framerate=15/1'
                    ' ! qroverlay case-sensitive=true data="%s" pixel-size=3' % LABELS[4])
        result = run('scan', '--json', '--pipeline', pipeline, '--max-codes', '1', '--timeout', '60',
                     config=self.config)
        self.assertEqual(result.returncode, 0, result.stderr)
        codes = json_lines(result.stdout)
        self.assertEqual(len(codes), 1)
        self.assertEqual(codes[0]['kind'], 'dev-eui')
        self.assertGreater(codes[0]['frame_time'], 0)

    def test_pipeline_timeout(self):
        result = run('scan', '--pipeline', 'videotestsrc is-live=true ! video/x-raw,width=320,height=240',
                     '--timeout', '1', config=self.config)
        self.assertEqual(result.returncode, 1)
        self.assertIn('time ran out', result.stderr)

    def test_missing_element(self):
        result = run('scan', '--json', '--pipeline', 'videotestsrc ! onbnosuchelement', config=self.config)
        self.assertEqual(result.returncode, 1)
        error = json_lines(result.stdout)[0]
        self.assertEqual(error['reason'], 'missing-element')
        self.assertIn('onbnosuchelement', error['message'])

    def test_usage(self):
        self.assertEqual(run('scan', config=self.config).returncode, 2)
        self.assertEqual(run('scan', '--uri', 'file:///x', '--pipeline', 'videotestsrc',
                             config=self.config).returncode, 2)


class ScanProvision(unittest.TestCase):
    def setUp(self):
        self.sim = simtest.Sim()
        self.tmp = tempfile.TemporaryDirectory(prefix='onb-cli-scan-')
        url = 'http://127.0.0.1:%d' % self.sim.port
        self.config = os.path.join(self.tmp.name, 'onboarder.conf')
        with open(self.config, 'w') as f:
            f.write('[blynk]\nserver=%s\nclient_id=%s\nclient_secret=%s\ntemplate_id=%s\nowner_id=%d\n'
                    % (url, simtest.CLIENT_ID, simtest.CLIENT_SECRET, simtest.TEMPLATE, simtest.OWNER))
            f.write('[tts]\n' + ''.join('%s=%s\n' % (k, url) for k in
                                        ('identity_server', 'join_server', 'network_server', 'application_server')))
            f.write('application_id=%s\napi_key=%s\nfrequency_plan=EU_863_870_TTN\n'
                    'lorawan_version=MAC_V1_0_3\nphy_version=PHY_V1_0_3_REV_A\n' % (simtest.APP, simtest.KEY))
            f.write('[labels]\nprofile_ids=000AF8BE\n[kiosk]\ndata_dir=%s\n' % self.tmp.name)
        result = run('import', DEVICES, config=self.config)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def tearDown(self):
        self.sim.stop()
        self.tmp.cleanup()

    def test_scan_provision(self):
        pipeline = ('videotestsrc is-live=true pattern=white ! video/x-raw,width=640,height=480,framerate=15/1'
                    ' ! qroverlay case-sensitive=true data="%s" pixel-size=3' % LABELS[1])
        result = run('scan', '--json', '--provision', '--pipeline', pipeline, '--max-codes', '1',
                     '--timeout', '60', config=self.config)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        hit, job = json_lines(result.stdout)
        self.assertTrue(hit['accepted'])
        self.assertEqual(job['dev_eui'], '0018B20000000102')
        self.assertEqual(job['state'], 'done')
        self.assertEqual(job['source'], 'camera')
        devices = json.dumps(self.sim.state())
        self.assertIn('eui-0018b20000000102', devices)

    def test_unknown_device_not_provisioned(self):
        png = os.path.join(self.tmp.name, 'unknown.png')
        subprocess.run(['qrencode', '-s', '4', '-o', png, 'LW:D0:70B3D57ED0000010:0018B200000009FF:000AF8BE'],
                       check=True)
        result = run('scan', '--json', '--provision', png, config=self.config)
        self.assertEqual(result.returncode, 1)
        hit = json_lines(result.stdout)[0]
        self.assertFalse(hit['accepted'])
        self.assertEqual(hit['reason'], 'unknown-device')


if __name__ == '__main__':
    unittest.main()
