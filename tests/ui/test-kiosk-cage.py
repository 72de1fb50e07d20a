#!/usr/bin/python3
"""The Raspberry Pi kiosk as its systemd unit starts it: cage, headless.

The command line is the unit's own ExecStart (the file meson installs), with
only the paths of this build put in: the compositor, the onboarder binary
and a temporary configuration pointing at the Blynk/TTS simulator. cage
refuses to run as root, so under root (CI) the session runs as the
unprivileged user "nobody" through setpriv (on copies of the binaries, in
case the build tree sits in a home nobody cannot enter), in a session bus of its own
with PipeWire, WirePlumber and a PipeWire camera (gst-launch-1.0 …
pipewiresink mode=provide) that shows a sample label: the kiosk finds it as
it finds any camera.

Checked, per output size (1280×720, cage's headless default; 800×480, the
Pi touch screen, on wlroots' X11 backend inside an 800×480 Xvfb since the
headless backend of wlroots 0.15 has one fixed mode):
- the window fills the output: the kiosk asks for full screen and sets its
  window geometry to the output's size (its own Wayland requests, from
  WAYLAND_DEBUG=client), and grim's screenshot shows no compositor
  background;
- the label under the camera turns the card green (pixels of the card's
  colour in the screenshot) and the job is done in both clouds (the
  simulator's state);
- closing (the application's quit action over D-Bus, as a session would
  ask) opens the PIN dialog instead: the kiosk keeps running. At 800×480,
  where the X11 backend gives the compositor a keyboard, a wrong PIN is
  refused and the right one closes the kiosk.

Screenshots are kept in the build directory (kiosk-cage-WxH-*.png).
"""

import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get('G_TEST_SRCDIR', os.path.join(HERE, '..'))
sys.path.insert(0, os.path.join(SRCDIR, 'simulator'))

SKIP = 77
PIN = '482916'
SUCCESS_RGB = (0x26, 0xa2, 0x69)  # .result-card.success in src/ui/style.css


def say(*args):
    print(*args, flush=True)


def skip(why):
    say('SKIP:', why)
    sys.exit(SKIP)


# ---- PNG (grim writes 8-bit RGB or RGBA, non-interlaced) ----

def read_png(path):
    with open(path, 'rb') as f:
        data = f.read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', path
    pos, idat, width = 8, b'', 0
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            width, height, depth, colour, _, _, interlace = struct.unpack('>IIBBBBB', body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
            channels = 3 if colour == 2 else 4
        elif kind == b'IDAT':
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, cur = line[0], bytearray(line[1:])
        for i in range(stride):
            a = cur[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if kind == 1:
                cur[i] = (cur[i] + a) & 0xff
            elif kind == 2:
                cur[i] = (cur[i] + b) & 0xff
            elif kind == 3:
                cur[i] = (cur[i] + (a + b) // 2) & 0xff
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xff
        rows.append(bytes(cur))
        prev = cur
    return width, height, channels, rows


def pixels(png, step=4):
    width, height, channels, rows = png
    for y in range(0, height, step):
        row = rows[y]
        for x in range(0, width, step):
            yield x, y, tuple(row[x * channels:x * channels + 3])


def share_of(png, rgb, tolerance=12):
    total = hits = 0
    for _, _, p in pixels(png):
        total += 1
        hits += all(abs(p[i] - rgb[i]) <= tolerance for i in range(3))
    return hits / total


def edge_is_background(png):
    """cage clears what no window covers to black: an edge row or column
    that is black all along means the window does not reach it."""
    width, height, channels, rows = png
    black = lambda p: max(p) < 8  # noqa: E731
    edges = {
        'top': [tuple(rows[0][x * channels:x * channels + 3]) for x in range(width)],
        'bottom': [tuple(rows[height - 1][x * channels:x * channels + 3]) for x in range(width)],
        'left': [tuple(rows[y][0:3]) for y in range(height)],
        'right': [tuple(rows[y][(width - 1) * channels:(width - 1) * channels + 3]) for y in range(height)],
    }
    return [name for name, line in edges.items() if all(black(p) for p in line)]


# ---- The unit's command line ----

def exec_start(unit_path):
    section = None
    with open(unit_path, encoding='utf-8') as unit:
        for line in unit:
            line = line.strip()
            if line.startswith('['):
                section = line.strip('[]')
            elif section == 'Service' and line.startswith('ExecStart='):
                return line.split('=', 1)[1].split()
    raise AssertionError(f'{unit_path} has no ExecStart')


def kiosk_argv(unit_path, cage, onboarder, config):
    """The unit's ExecStart with this build's paths: the same options,
    in the same order, so a change to the unit changes this test."""
    argv = exec_start(unit_path)
    assert argv[0].endswith('/cage'), argv
    assert '--' in argv, argv
    program = argv.index('--') + 1
    assert argv[program].endswith('/onboarder'), argv
    assert '--kiosk' in argv and '--config' in argv, argv
    argv[0] = cage
    argv[program] = onboarder
    argv[argv.index('--config') + 1] = config
    return argv


# ---- Outer part (any user): simulator, files, the unprivileged session ----

def write_config(path, sim_url, data_dir):
    import simtest
    servers = ''.join(f'{k}={sim_url}\n' for k in
                      ('identity_server', 'join_server', 'network_server', 'application_server'))
    with open(path, 'w', encoding='utf-8') as f:
        f.write(f'[blynk]\nserver={sim_url}\nclient_id={simtest.CLIENT_ID}\nclient_secret={simtest.CLIENT_SECRET}\n'
                f'template_id={simtest.TEMPLATE}\nowner_id={simtest.OWNER}\n'
                f'[tts]\n{servers}application_id={simtest.APP}\napi_key={simtest.KEY}\n'
                'frequency_plan=EU_863_870_TTN\nlorawan_version=MAC_V1_0_3\nphy_version=PHY_V1_0_3_REV_A\n'
                'class_b=false\nclass_c=false\n'
                '[labels]\nprofile_ids=000AF8BE\n'
                f'[kiosk]\npin={PIN}\ndata_dir={data_dir}\nsounds=false\n')
    os.chmod(path, 0o600)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '--inner':
        return inner(*sys.argv[2:])

    unit, onboarder, cli, shots = (os.path.abspath(a) for a in sys.argv[1:5])
    # The session's interpreter must be one the unprivileged user can run.
    python = '/usr/bin/python3' if os.access('/usr/bin/python3', os.X_OK) else sys.executable
    needed = {'cage': 'cage', 'grim': 'grim', 'Xwayland': 'xwayland', 'dbus-run-session': 'dbus',
              'pipewire': 'pipewire-bin', 'wireplumber': 'wireplumber', 'gst-launch-1.0': 'gstreamer1.0-tools',
              'Xvfb': 'xvfb', 'xdotool': 'xdotool', 'xwininfo': 'x11-utils', 'gdbus': 'libglib2.0-bin'}
    for program, package in needed.items():
        if not shutil.which(program):
            skip(f'{program} is not installed (Debian package {package}): kiosk test under cage skipped')

    user = None
    if os.geteuid() == 0:
        # cage will not run as root; nobody is on every Debian system.
        if not shutil.which('setpriv'):
            skip('running as root and setpriv (util-linux) is missing: cannot run cage unprivileged')
        user = pwd.getpwnam('nobody')
        probe = subprocess.run(['setpriv', f'--reuid={user.pw_uid}', f'--regid={user.pw_gid}',
                                '--clear-groups', 'test', '-x', python])
        if probe.returncode != 0:
            skip(f'{python} cannot be run by the unprivileged user nobody: kiosk test under cage skipped')

    import simtest
    sim = simtest.Sim()
    tmp = tempfile.mkdtemp(prefix='onb-kiosk-cage-')
    os.chmod(tmp, 0o755)
    failed = False
    script = os.path.abspath(__file__)
    samples = os.path.join(SRCDIR, '..', 'data', 'samples')
    labels, devices = os.path.join(samples, 'labels.txt'), os.path.join(samples, 'devices.csv')
    schemas = os.environ.get('GSETTINGS_SCHEMA_DIR')
    try:
        if user is not None:
            # The build tree may sit in a home the unprivileged user cannot
            # enter: it runs copies (the binaries carry their resources).
            stage = os.path.join(tmp, 'stage')
            os.mkdir(stage, 0o755)
            staged = []
            for path in (unit, onboarder, cli, script, labels, devices):
                staged.append(shutil.copy2(path, os.path.join(stage, os.path.basename(path))))
            unit, onboarder, cli, script, labels, devices = staged
            if schemas:
                shutil.copy2(os.path.join(schemas, 'gschemas.compiled'), stage)
                schemas = stage
        sizes = [('1280x720', 'headless'), ('800x480', 'x11')]
        for size, backend in sizes:
            home = os.path.join(tmp, size)
            os.mkdir(home, 0o700)
            os.mkdir(os.path.join(home, 'run'), 0o700)
            os.mkdir(os.path.join(home, 'shots'), 0o755)
            config = os.path.join(home, 'onboarder.conf')
            write_config(config, f'http://127.0.0.1:{sim.port}', os.path.join(home, 'data'))
            if user is not None:
                for root, dirs, files in os.walk(home):
                    for name in [root] + [os.path.join(root, n) for n in files]:
                        os.chown(name, user.pw_uid, user.pw_gid)
            sim.reset()
            argv = ['dbus-run-session', '--', python, '-B', script, '--inner',
                    unit, onboarder, cli, labels, devices, home, config, size, backend]
            if user is not None:
                argv = ['setpriv', f'--reuid={user.pw_uid}', f'--regid={user.pw_gid}', '--clear-groups',
                        '--inh-caps=-all'] + argv
            env = dict(os.environ, HOME=home, XDG_RUNTIME_DIR=os.path.join(home, 'run'),
                       XDG_CONFIG_HOME=os.path.join(home, '.config'),
                       XDG_DATA_HOME=os.path.join(home, '.local', 'share'),
                       XDG_CACHE_HOME=os.path.join(home, '.cache'))
            if schemas:
                env['GSETTINGS_SCHEMA_DIR'] = schemas
            for key in ('DISPLAY', 'WAYLAND_DISPLAY', 'DBUS_SESSION_BUS_ADDRESS', 'PIPEWIRE_REMOTE'):
                env.pop(key, None)
            say(f'== {size} ({backend} backend){" as nobody" if user else ""}')
            result = subprocess.run(argv, env=env, timeout=150)
            # Screenshots, taken by the unprivileged user, kept with the build.
            for name in sorted(os.listdir(os.path.join(home, 'shots'))):
                shutil.copy(os.path.join(home, 'shots', name), os.path.join(shots, name))
                say('screenshot:', os.path.join(shots, name))
            if result.returncode != 0:
                failed = True
                say(f'FAIL: {size}: exit {result.returncode}')
                continue
            # The clouds, as the simulator saw them: the label's device exists in both.
            state = sim.state()
            text = repr(state)
            if '0018B20000000101' not in text.upper():
                failed = True
                say(f'FAIL: {size}: the simulator has no device 0018B20000000101: {text[:400]}')
            else:
                say(f'{size}: the simulator holds device 0018B20000000101 (Blynk and TTS)')
    finally:
        sim.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


# ---- Inner part (the unprivileged user, in its own session bus) ----

class Session:
    def __init__(self, home):
        self.home = home
        self.procs = []

    def start(self, name, argv, env=None):
        log = open(os.path.join(self.home, name + '.log'), 'wb')
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        self.procs.append((name, proc, log))
        return proc

    def log(self, name):
        with open(os.path.join(self.home, name + '.log'), 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def stop(self):
        for name, proc, log in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log.close()


def wait_for(what, condition, timeout=30, step=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out waiting for {what}')
        time.sleep(step)


def inner(unit, onboarder, cli, labels, devices, home, config, size, backend):
    width, height = (int(v) for v in size.split('x'))
    run = os.environ['XDG_RUNTIME_DIR']
    os.makedirs(run, mode=0o700, exist_ok=True)
    s = Session(home)
    try:
        return inner_checks(s, unit, onboarder, cli, labels, devices, home, config, width, height, backend)
    except AssertionError as e:
        say(f'FAIL ({width}x{height}): {e}')
        for name, _, _ in s.procs:
            say(f'-- {name}.log (end)')
            say('\n'.join(s.log(name).splitlines()[-15:]))
        return 1
    finally:
        s.stop()


def inner_checks(s, unit, onboarder, cli, labels_path, devices, home, config, width, height, backend):
    labels = [l.strip() for l in open(labels_path) if l.strip()]
    run = os.environ['XDG_RUNTIME_DIR']
    env = dict(os.environ)

    # The device list, imported as an administrator would before the shift.
    imported = subprocess.run([cli, 'import', '--config', config, devices], capture_output=True, text=True,
                              timeout=60, env=env)
    assert imported.returncode == 0, f'import failed: {imported.stdout}{imported.stderr}'

    # A camera, as PipeWire lists one, showing the first sample label.
    s.start('pipewire', ['pipewire'], env)
    wait_for('PipeWire', lambda: os.path.exists(os.path.join(run, 'pipewire-0')))
    s.start('wireplumber', ['wireplumber'], env)
    s.start('camera', ['gst-launch-1.0', '-q', 'videotestsrc', 'is-live=true', 'pattern=white', '!',
                       'video/x-raw,width=640,height=480,framerate=15/1', '!',
                       'qroverlay', 'case-sensitive=true', f'data={labels[0]}', 'x=50', 'y=50', 'pixel-size=3', '!',
                       'videoconvert', '!', 'video/x-raw,format=YUY2', '!',
                       'pipewiresink', 'mode=provide',
                       'stream-properties=props,media.class=Video/Source,media.role=Camera'], env)

    kiosk_env = dict(env, XDG_SESSION_TYPE='wayland', WLR_LIBINPUT_NO_DEVICES='1', WLR_RENDERER='pixman',
                     GSK_RENDERER='cairo', LIBGL_ALWAYS_SOFTWARE='1', WAYLAND_DEBUG='client',
                     G_MESSAGES_DEBUG='')
    kiosk_env.pop('GDK_BACKEND', None)
    if backend == 'headless':
        kiosk_env.update(WLR_BACKENDS='headless', WLR_HEADLESS_OUTPUTS='1')
    else:
        # An 800×480 X screen; wlroots' X11 output takes the size of its
        # window, which xdotool sets (there is no window manager to).
        fifo = os.path.join(home, 'displayfd')
        os.mkfifo(fifo)
        xvfb = subprocess.Popen(f'exec Xvfb -displayfd 3 -screen 0 {width}x{height}x24 -nolisten tcp 3>"{fifo}"',
                                shell=True, stderr=subprocess.DEVNULL, start_new_session=True)
        s.procs.append(('xvfb', xvfb, open(os.devnull, 'wb')))
        with open(fifo) as f:
            display = ':' + f.readline().strip()
        kiosk_env.update(WLR_BACKENDS='x11', WLR_X11_OUTPUTS='1', DISPLAY=display)

    argv = kiosk_argv(unit, shutil.which('cage'), onboarder, config)
    say('kiosk command line (from the unit):', ' '.join(argv))
    kiosk = s.start('kiosk', argv, kiosk_env)

    sockets = lambda: [n for n in os.listdir(run) if re.fullmatch(r'wayland-\d+', n)]  # noqa: E731
    socket = wait_for('cage\'s Wayland socket', sockets)[0]
    wl_env = dict(env, WAYLAND_DISPLAY=socket)

    if backend == 'x11':
        xenv = dict(env, DISPLAY=kiosk_env['DISPLAY'])

        def output_window():
            tree = subprocess.run(['xwininfo', '-root', '-children'], capture_output=True, text=True, env=xenv).stdout
            return re.findall(r'^\s*(0x[0-9a-f]+) ', tree, re.M)

        window = wait_for('wlroots\' X11 output window', output_window)[0]
        subprocess.run(['xdotool', 'windowsize', window, str(width), str(height)], check=True, env=xenv)

    def geometry():
        found = re.findall(r'xdg_surface@\d+\.set_window_geometry\(0, 0, (\d+), (\d+)\)', s.log('kiosk'))
        return found and tuple(int(v) for v in found[-1])

    wait_for(f'the kiosk window at {width}×{height}', lambda: geometry() == (width, height), timeout=40)
    assert re.search(r'xdg_toplevel@\d+\.set_fullscreen\(', s.log('kiosk')), 'the kiosk did not ask for full screen'
    say(f'kiosk window geometry {geometry()[0]}x{geometry()[1]} on a {width}x{height} output, full screen asked')

    def shot(name):
        path = os.path.join(home, 'shots', f'kiosk-cage-{width}x{height}-{name}.png')
        subprocess.run(['grim', path], check=True, env=wl_env, timeout=20)
        return path, read_png(path)

    # The label under the camera: a green card.
    def green():
        path, png = shot('scan')
        share = share_of(png, SUCCESS_RGB)
        return share > 0.02 and (path, png, share)

    path, png, share = wait_for('the green card', green, timeout=60, step=1)
    assert (png[0], png[1]) == (width, height), f'screenshot is {png[0]}×{png[1]}'
    uncovered = edge_is_background(png)
    assert not uncovered, f'the window leaves the output\'s {", ".join(uncovered)} edge uncovered'
    say(f'green card: {share:.1%} of {path} in the success colour; no uncovered edge')

    # Closing asks for the PIN: the application's quit action, over D-Bus.
    app_path = '/io/github/onboarder/Onboarder'
    names = subprocess.run(['gdbus', 'call', '--session', '--dest', 'org.freedesktop.DBus', '--object-path',
                            '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.ListNames'],
                           capture_output=True, text=True, env=env).stdout
    app_id = re.search(r"'(io\.github\.onboarder\.Onboarder(?:\.Devel)?)'", names)
    assert app_id, f'the kiosk is not on the session bus: {names}'
    subprocess.run(['gdbus', 'call', '--session', '--dest', app_id.group(1), '--object-path', app_path,
                    '--method', 'org.gtk.Actions.Activate', 'quit', '[]', '{}'],
                   check=True, capture_output=True, env=env, timeout=20)
    toplevels = lambda: len(re.findall(r'xdg_wm_base@\d+\.get_xdg_surface', s.log('kiosk')))  # noqa: E731
    wait_for('the PIN dialog', lambda: toplevels() >= 2 and re.search(r'xdg_toplevel@\d+\.set_parent\(xdg_toplevel',
                                                                     s.log('kiosk')))
    time.sleep(1.5)
    assert kiosk.poll() is None, 'the kiosk closed without the PIN'
    path, png = shot('close-asks-pin')
    say(f'close request: a PIN dialog (a child window), the kiosk still runs: {path}')

    if backend == 'x11':
        # Keys through XTEST into the output window, which wlroots turns into
        # the compositor's keyboard (XSendEvent would be ignored).
        subprocess.run(['xdotool', 'mousemove', '--window', window, str(width // 2), '10',
                        'windowfocus', '--sync', window], check=True, env=xenv)
        subprocess.run(['xdotool', 'type', '--delay', '80', '9999'], check=True, env=xenv)
        subprocess.run(['xdotool', 'key', 'Return'], check=True, env=xenv)
        time.sleep(2)
        assert kiosk.poll() is None, 'a wrong PIN closed the kiosk'
        path, png = shot('wrong-pin')
        say(f'wrong PIN: the kiosk still runs: {path}')
        subprocess.run(['xdotool', 'type', '--delay', '80', PIN], check=True, env=xenv)
        subprocess.run(['xdotool', 'key', 'Return'], check=True, env=xenv)
        wait_for('the kiosk to close after the right PIN', lambda: kiosk.poll() is not None, timeout=20)
        say(f'right PIN: the kiosk closed (exit {kiosk.returncode})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
