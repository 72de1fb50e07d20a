"""The kiosk as a person meets it: found, read and used through the
accessibility tree (AT-SPI), on the test's own session bus.

GTK 4.8 reports names, roles, states and extents, but not the "showing"
state of children and no screen coordinates (each window's extents are
relative to that window), so a control counts as on screen when it is
"visible" and its extents are not empty; hidden stack pages report empty
extents.
"""

import re
import subprocess
import time

import pyatspi
from gi.repository import GLib

# Roles a finger or a keyboard acts on.
CLICKABLE = {
    pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_PAGE_TAB,
    pyatspi.ROLE_CHECK_BOX, pyatspi.ROLE_RADIO_BUTTON, pyatspi.ROLE_COMBO_BOX,
    pyatspi.ROLE_ENTRY, pyatspi.ROLE_PASSWORD_TEXT, pyatspi.ROLE_TEXT, pyatspi.ROLE_SPIN_BUTTON,
}


class Failure(AssertionError):
    pass


START = time.monotonic()


def say(*args):
    print(f'[{time.monotonic() - START:6.1f} s]', *args, flush=True)


def wait_for(what, condition, timeout=30, step=0.2):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except Exception:  # the tree changes under our feet; ask again
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure(f'timed out after {timeout} s waiting for {what() if callable(what) else what}')
        time.sleep(step)


def extents(acc):
    try:
        e = acc.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        return e.x, e.y, e.width, e.height
    except Exception:
        return 0, 0, 0, 0


def states(acc):
    return acc.getState()


def on_screen(acc):
    x, y, w, h = extents(acc)
    return states(acc).contains(pyatspi.STATE_VISIBLE) and w > 0 and h > 0


def has_place(acc):
    """False for a GtkStackPage: it has no place of its own, its child has."""
    try:
        acc.queryComponent()
        return True
    except (NotImplementedError, GLib.Error):
        return False


def role(acc):
    return acc.getRole()


# What a control is made of (its label, its icon) is never looked for on
# its own: not walking into it keeps a walk to a few hundred calls.
LEAVES = {pyatspi.ROLE_PAGE_TAB, pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_LABEL,
          pyatspi.ROLE_IMAGE, pyatspi.ROLE_CHECK_BOX, pyatspi.ROLE_PROGRESS_BAR}


def walk(acc, with_clip=False, skip=frozenset()):
    """Every node under @acc (itself included) that is on screen; a node
    with empty extents hides its subtree. With @with_clip, yields (node,
    clip): clip is the viewport of the nearest scrolled pane around the
    node (None outside one), and nodes scrolled out of it are left out;
    without, nodes a person would scroll to are found too. Panels named
    in @skip are left out with all they hold: pages a stack does not show
    keep their last place (GTK 4.8 does not say they are not showing)."""
    stack = [(acc, None)]
    while stack:
        node, clip = stack.pop()
        if node is None:
            continue
        try:
            if node is not acc:
                if skip and node.name in skip and role(node) == pyatspi.ROLE_PANEL:
                    continue
                if has_place(node) and not on_screen(node):
                    continue
        except GLib.Error:
            continue  # gone while we looked
        x, y, w, h = extents(node)
        if with_clip and clip is not None and w > 0 and (x + w <= clip[0] or y + h <= clip[1] or
                                           x >= clip[0] + clip[2] or y >= clip[1] + clip[3]):
            continue
        yield (node, clip) if with_clip else node
        try:
            node_role = role(node)
            if node_role == pyatspi.ROLE_SCROLL_PANE:
                clip = (x, y, w, h)
            children = [] if node_role in LEAVES and node is not acc else list(node)
        except GLib.Error:
            children = []
        stack.extend((c, clip) for c in reversed(children))


class Kiosk:
    """One onboarder process and its windows, through AT-SPI."""

    def __init__(self, argv, env, log_path):
        self.log = open(log_path, 'wb')
        self.proc = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._tabs = None
        self.app = wait_for('the kiosk on the accessibility bus', self._find_app, timeout=120, step=0.5)
        # Full screen is the window manager's job, and Xvfb has none: the
        # test gives the kiosk's window the whole screen, as one would.
        wid = self.focus()
        screen = subprocess.run(['xdotool', 'getdisplaygeometry'], capture_output=True, text=True).stdout.split()
        subprocess.run(['xdotool', 'windowmove', wid, '0', '0', 'windowsize', wid] + screen, check=True)
        wait_for('the kiosk to fill the screen',
                 lambda: extents(self.window())[2] >= int(screen[0]) - 10, timeout=30)

    def focus(self, title=None):
        """Keyboard focus to the kiosk's window called @title, else its
        largest, as a window manager would give it (Xvfb has none, so
        closing a dialog leaves the focus nowhere)."""
        def window():
            found = subprocess.run(['xdotool', 'search', '--onlyvisible', '--pid', str(self.proc.pid)],
                                   capture_output=True, text=True).stdout.split()
            sizes = []
            for wid in found:
                if title is not None and subprocess.run(['xdotool', 'getwindowname', wid], capture_output=True,
                                                        text=True).stdout.strip() != title:
                    continue
                geometry = subprocess.run(['xdotool', 'getwindowgeometry', wid], capture_output=True, text=True).stdout
                m = re.search(r'Geometry: (\d+)x(\d+)', geometry)
                if m:
                    sizes.append((int(m.group(1)) * int(m.group(2)), wid))
            return max(sizes)[1] if sizes else None
        wid = wait_for(f'the window "{title}" on the X screen', window, timeout=60)
        subprocess.run(['xdotool', 'windowfocus', '--sync', wid], check=True)
        return wid

    def _find_app(self):
        desktop = pyatspi.Registry.getDesktop(0)
        for app in desktop:
            if app is not None and app.get_process_id() == self.proc.pid:
                return app
        if self.proc.poll() is not None:
            raise Failure(f'the kiosk exited with {self.proc.returncode} before it showed')
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    # Windows ----------------------------------------------------------------

    def windows(self):
        return [w for w in self.app if w is not None and on_screen(w)]

    def window(self, name=None):
        """The window called @name, else the main one (the first)."""
        def find():
            for w in self.windows():
                if name is None or w.name == name:
                    return w
            return None
        return wait_for(f'the window "{name}"', find, timeout=20)

    def no_window(self, name, timeout=20):
        wait_for(f'the window "{name}" to close',
                 lambda: all(w.name != name for w in self.windows()), timeout=timeout)
        self.focus()

    # Controls ---------------------------------------------------------------

    def tabs(self):
        """The page tabs of the main window (found once: they stay)."""
        if self._tabs is None:
            self._tabs = [n for n in walk(self.window()) if role(n) == pyatspi.ROLE_PAGE_TAB]
        return self._tabs

    def hidden_pages(self):
        """The names of the pages whose tab is not selected."""
        return frozenset(t.name for t in self.tabs() if not states(t).contains(pyatspi.STATE_SELECTED)
                         and not states(t).contains(pyatspi.STATE_CHECKED))

    def all(self, role_=None, name=None, root=None, prefix=False):
        roots = [root] if root is not None else self.windows()
        skip = self.hidden_pages() if self._tabs is not None or role_ != pyatspi.ROLE_PAGE_TAB else frozenset()
        found = []
        for r in roots:
            for node in walk(r, skip=skip):
                if role_ is not None and role(node) != role_:
                    continue
                if name is not None:
                    text = plain_name(node)
                    if prefix and not text.startswith(name):
                        continue
                    if not prefix and text != name:
                        continue
                found.append(node)
        return found

    def find(self, role_, name, root=None, timeout=20, prefix=False):
        what = f'{role_name(role_)} "{name}"'
        return wait_for(what, lambda: (self.all(role_, name, root, prefix) or [None])[0], timeout=timeout)

    def field(self, name, root=None, timeout=20):
        """A text field by name, whatever GTK calls it: an entry row or an
        entry is "text", a search entry "entry"."""
        def find():
            for r in (pyatspi.ROLE_TEXT, pyatspi.ROLE_ENTRY, pyatspi.ROLE_PASSWORD_TEXT):
                found = self.all(r, name, root)
                if found:
                    return found[0]
            return None
        return wait_for(f'the field "{name}"', find, timeout=timeout)


def role_name(role_):
    return pyatspi.Atspi.role_get_name(role_)


def plain_name(acc):
    """The name, without what GTK 4.8 adds to a button with a mnemonic
    (GTK's own dialogs): "_Import Import" is "Import"."""
    name = acc.name or ''
    words = name.split(' ')
    half = len(words) // 2
    if len(words) % 2 == 0 and '_' in name and ' '.join(words[:half]).replace('_', '') == ' '.join(words[half:]):
        return ' '.join(words[half:])
    return name


def dump(root, out, depth=0):
    """What is on screen under @root, one node a line, for a failure's log."""
    for node in root:
        if node is None or (has_place(node) and not on_screen(node)):
            continue
        out.write('  ' * depth + f'[{node.getRoleName()}] {node.name!r} {extents(node)}\n')
        dump(node, out, depth + 1)


def click(acc):
    action = acc.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in ('click', 'activate', 'press', 'toggle'):
            action.doAction(i)
            return
    if action.nActions > 0:
        action.doAction(0)
        return
    raise Failure(f'{acc.name!r} ({acc.getRoleName()}) has no action to click')


def set_text(acc, text):
    editable = acc.queryEditableText()
    editable.setTextContents(text)


def text_of(acc):
    t = acc.queryText()
    return t.getText(0, t.characterCount)


def focused(acc):
    """@acc or a part of it (the text of an entry row) has the focus."""
    return any(states(n).contains(pyatspi.STATE_FOCUSED) for n in walk(acc))


def focus_names(root):
    return [f'{n.getRoleName()} "{n.name}"' for n in walk(root) if states(n).contains(pyatspi.STATE_FOCUSED)]


def sensitive(acc):
    return states(acc).contains(pyatspi.STATE_SENSITIVE)
