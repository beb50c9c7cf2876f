#!/bin/bash
# test-package.sh -- the Debian package (debian/), built, checked with
# lintian, installed, upgraded over itself, removed and purged on this
# machine (run as root).
#
# 1. dpkg-buildpackage -us -uc -b, as the README says, in a copy of the
#    source tree (its tracked and not ignored files: never build/,
#    build-asan/ nor the source itself), in a clean environment (no
#    sanitizer variables of a meson test run); the unit suite runs in it;
#    its file list is tests/expected/package-files.txt, and
#    `lintian --fail-on error,warning` passes on its .changes (the .deb,
#    the .buildinfo);
# 2. apt-get install ./balloonctl_*.deb: the binary in /usr/sbin, the unit
#    in /lib/systemd/system starting it, /etc/balloonctl/balloonctl.conf a
#    conffile, the man pages found by man, the completion in
#    bash-completion's directory, the sysusers file; the system user
#    balloonctl made (nologin, in the group libvirt); `balloonctl version`
#    and `balloonctl -c test:///default status`, as root and as balloonctl;
#    the service neither enabled nor started; the maintainer scripts
#    restart it on upgrade only if it runs and stop it on removal; postinst
#    run again changes nothing (users, groups, unit state);
# 3. the conffile edited and the unit enabled by the administrator, the
#    package upgraded to a rebuild with a higher version: the edit and the
#    enabling kept, nothing asked, no .dpkg-* file left; the enabled but
#    stopped unit not started (with systemd as PID 1: still inactive, and a
#    running one restarted by a reinstall; without: postinst's systemd
#    sections run with recording stand-ins, try-restart alone on upgrade);
# 4. apt-get remove: every file gone but the edited conffile; apt-get
#    purge: the conffile, /etc/balloonctl, /var/lib/balloonctl (a recording
#    put there), the enabling symlinks and dpkg's records gone: no path of
#    the package that was not there before, and the names matching
#    *balloonctl* under /etc /lib /usr /var/lib /run as before.
# Afterwards, also on failure: the package purged, the user balloonctl
# (and the group libvirt) deleted if the package made them, the copy
# removed.  Fails, touching nothing, if balloonctl is installed already
# (package or `meson install --prefix=/usr`).  About a minute.
#
# Usage: test-package.sh [SOURCE_ROOT]
# Prints "package: PASS" or "package: FAIL: reason"; exit 77 (skip) when
# not root.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "${1:-$HERE/../..}" && pwd)
EXPECTED=$SRC/tests/expected/package-files.txt
T0=$(date +%s)

fail() { echo "package: FAIL: $*" >&2; exit 1; }
say() { echo "package: $*"; }
[ "$(id -u)" -eq 0 ] || { echo "package: SKIP: needs root (installs the package)"; exit 77; }

for tool in dpkg-buildpackage dh lintian apt-get; do
    command -v "$tool" >/dev/null || fail "$tool missing: tools/install-deps installs it (tools/packages.txt)"
done
[ -f "$SRC/debian/changelog" ] || fail "no debian/ in $SRC"

pkg_status() { dpkg-query -W -f='${db:Status-Abbrev}' balloonctl 2>/dev/null | tr -d ' ' || true; }

# ---- refuse to touch anything already there ----------------------------------
case "$(pkg_status)" in
    ''|un|pn) ;;
    *) fail "the package balloonctl is on this machine ($(pkg_status)): dpkg --purge balloonctl first" ;;
esac
for f in /usr/sbin/balloonctl /etc/balloonctl /lib/systemd/system/balloonctl.service \
         /usr/lib/systemd/system/balloonctl.service /usr/lib/sysusers.d/balloonctl.conf \
         /usr/share/bash-completion/completions/balloonctl /usr/share/man/man8/balloonctl.8 \
         /usr/share/man/man8/balloonctl.8.gz /var/lib/balloonctl; do
    [ ! -e "$f" ] || fail "$f exists (a meson install --prefix=/usr?): not touching it"
done

had_user=0 had_libvirt=0 made_statedir=0
getent passwd balloonctl >/dev/null && had_user=1
getent group libvirt >/dev/null && had_libvirt=1
# apt's _apt user reads the .deb: the directory is world-readable
TMP=$(mktemp -d /var/tmp/balloonctl-package.XXXXXX)
chmod 755 "$TMP"
cleanup() {
    case "$(pkg_status)" in
        ''|un|pn) ;;
        *) dpkg --purge balloonctl >/dev/null 2>&1 || echo "package: cleanup: dpkg --purge balloonctl failed" >&2 ;;
    esac
    if [ "$had_user" = 0 ] && getent passwd balloonctl >/dev/null; then
        userdel balloonctl 2>/dev/null || true
        getent group balloonctl >/dev/null && { groupdel balloonctl 2>/dev/null || true; }
    fi
    if [ "$had_libvirt" = 0 ] && getent group libvirt >/dev/null; then groupdel libvirt 2>/dev/null || true; fi
    if [ "$made_statedir" = 1 ]; then rm -rf /var/lib/balloonctl; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "package: FAIL: line $LINENO: $BASH_COMMAND failed" >&2' ERR

export DEBIAN_FRONTEND=noninteractive
ARCH=$(dpkg --print-architecture)
# What a build sees: no sanitizer settings, no meson test variables.
BUILD_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$TMP"
    LANG=C.UTF-8 DEB_BUILD_OPTIONS="parallel=$(nproc)")

# ---- 1. build and lint ---------------------------------------------------------
mkdir "$TMP/src"
if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$SRC" && git ls-files -z --cached --others --exclude-standard) |
        tar -C "$SRC" --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -C "$TMP/src" -xf -
else
    tar -C "$SRC" --exclude='./build*' --exclude=./.git --exclude='./obj-*' -cf - . | tar -C "$TMP/src" -xf -
fi
[ -x "$TMP/src/debian/rules" ] || fail "copying $SRC to $TMP/src failed"

meson_version=$(sed -n "s/^[[:space:]]*version[[:space:]]*:[[:space:]]*'\([^']*\)'.*/\1/p" "$SRC/meson.build" | head -n1)
V1=$(dpkg-parsechangelog -l "$TMP/src/debian/changelog" -S Version)
[ "$V1" = "$meson_version" ] || fail "debian/changelog's version $V1 is not meson.build's $meson_version"

t=$(date +%s)
(cd "$TMP/src" && "${BUILD_ENV[@]}" dpkg-buildpackage -us -uc -b) >"$TMP/build1.log" 2>&1 ||
    { tail -40 "$TMP/build1.log" >&2; fail "dpkg-buildpackage failed (the end of its log above)"; }
BUILD_S=$(( $(date +%s) - t ))
DEB1=$TMP/balloonctl_${V1}_$ARCH.deb
[ -f "$DEB1" ] || fail "no $(basename "$DEB1") built: $(ls "$TMP")"
grep -qE '^Ok: +[1-9]' "$TMP/build1.log" || fail "the unit suite did not run in the build"
say "built $(basename "$DEB1") in $BUILD_S s (the unit suite included)"

listing() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./|/|; s|/$||' | grep -v '^$' | sort; }
listing "$DEB1" >"$TMP/paths"
dpkg-deb -c "$DEB1" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|' | sort >"$TMP/files"
diff -u "$EXPECTED" "$TMP/files" >&2 || fail "the package's files are not $(basename "$EXPECTED") (diff above)"

t=$(date +%s)
lintian --fail-on error,warning --display-info "$TMP/balloonctl_${V1}_$ARCH.changes" >"$TMP/lintian.log" 2>&1 ||
    { cat "$TMP/lintian.log" >&2; fail "lintian: errors or warnings (above)"; }
say "lintian: no error, no warning ($(( $(date +%s) - t )) s)$(grep -E '^[IP]: ' "$TMP/lintian.log" | sed 's/^/; /' | tr '\n' ' ')"

# ---- 2. install ----------------------------------------------------------------
snapshot() { { find /etc /lib /usr /var/lib /run -xdev -name '*balloonctl*' 2>/dev/null || true; } | sort; }
snapshot >"$TMP/before"
while read -r p; do [ -e "$p" ] || [ -L "$p" ] && echo "$p"; done <"$TMP/paths" >"$TMP/there-before" || true
cp /etc/passwd /etc/group "$TMP/"

apt-get install -y -q --no-install-recommends "$DEB1" </dev/null >"$TMP/install1.log" 2>&1 ||
    { cat "$TMP/install1.log" >&2; fail "apt-get install $(basename "$DEB1") failed"; }
[ "$(pkg_status)" = ii ] || fail "not installed after apt-get install: $(pkg_status)"
grep -q 'unsandboxed' "$TMP/install1.log" && fail "apt could not read the .deb as _apt: $(grep unsandboxed "$TMP/install1.log")"

[ -x /usr/sbin/balloonctl ] || fail "no /usr/sbin/balloonctl"
unit=/lib/systemd/system/balloonctl.service
[ -f "$unit" ] || fail "no $unit"
grep -q '^ExecStart=/usr/sbin/balloonctl ' "$unit" || fail "$unit does not start /usr/sbin/balloonctl: $(grep ExecStart "$unit")"
[ -f /usr/lib/sysusers.d/balloonctl.conf ] || fail "no /usr/lib/sysusers.d/balloonctl.conf"
dpkg-query -W -f='${Conffiles}\n' balloonctl | grep -qE '^ /etc/balloonctl/balloonctl\.conf [0-9a-f]{32}$' ||
    fail "/etc/balloonctl/balloonctl.conf is not a conffile: $(dpkg-query -W -f='${Conffiles}' balloonctl)"
cmp -s /etc/balloonctl/balloonctl.conf "$SRC/data/balloonctl.conf" || fail "/etc/balloonctl/balloonctl.conf is not data/balloonctl.conf"
[ "$(man -w 8 balloonctl 2>/dev/null)" = /usr/share/man/man8/balloonctl.8.gz ] || fail "man -w 8 balloonctl: '$(man -w 8 balloonctl 2>&1)'"
[ "$(man -w 5 balloonctl.conf 2>/dev/null)" = /usr/share/man/man5/balloonctl.conf.5.gz ] || fail "man -w 5 balloonctl.conf: '$(man -w 5 balloonctl.conf 2>&1)'"
compdir=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null || echo /usr/share/bash-completion/completions)
[ -f "$compdir/balloonctl" ] || fail "no completion in bash-completion's $compdir"

IFS=: read -r _ _ uid _ _ home shell < <(getent passwd balloonctl) || fail "no user balloonctl after install"
[ "$uid" -lt 1000 ] || fail "balloonctl is not a system user (uid $uid)"
[ "$home:$shell" = /nonexistent:/usr/sbin/nologin ] || fail "balloonctl's home and shell: $home:$shell"
id -nG balloonctl | tr ' ' '\n' | grep -qx libvirt || fail "balloonctl is not in the group libvirt: $(id -nG balloonctl)"
[ "$had_user" = 1 ] || say "the user balloonctl was made (uid $uid)"

out=$(/usr/sbin/balloonctl version) || fail "balloonctl version failed"
case "$out" in "balloonctl $meson_version "*) ;; *) fail "balloonctl version: $out" ;; esac
status_ok() {   # the test driver's domain "test", without a daemon
    local out
    out=$("$@" 2>&1) || fail "$*: $out"
    echo "$out" | grep -qE '^test +- ' || fail "$*: no row for the domain test: $out"
}
status_ok /usr/sbin/balloonctl -c test:///default status
status_ok runuser -u balloonctl -- /usr/sbin/balloonctl -c test:///default status

# not enabled, not started
wants=/etc/systemd/system/multi-user.target.wants/balloonctl.service
# shellcheck disable=SC2015 # tests alone before ||: it runs when one fails
[ ! -e "$wants" ] && [ ! -L "$wants" ] || fail "$wants exists: the service was enabled on install"
en=$(systemctl is-enabled balloonctl.service 2>&1 || true)
[ "$en" = disabled ] || fail "systemctl is-enabled balloonctl: $en"
if [ -d /run/systemd/system ]; then
    act=$(systemctl is-active balloonctl.service 2>&1 || true)
    [ "$act" = inactive ] || fail "systemctl is-active balloonctl: $act"
fi
# what the maintainer scripts would do under systemd
info=/var/lib/dpkg/info/balloonctl
grep -q "deb-systemd-invoke try-restart 'balloonctl.service'" "$info.postinst" || fail "postinst does not try-restart the service on upgrade"
! grep -qE 'deb-systemd-invoke (start|restart) ' "$info.postinst" || fail "postinst starts the service: $(grep deb-systemd-invoke "$info.postinst")"
! grep -qs 'deb-systemd-invoke stop' "$info.preinst" || fail "preinst stops the service on upgrade (never started again)"
grep -q 'deb-systemd-invoke stop' "$info.prerm" || fail "prerm does not stop the service on removal"
DPKG_MAINTSCRIPT_PACKAGE=balloonctl deb-systemd-helper debian-installed balloonctl.service || fail "deb-systemd-helper has no state for the unit (purge would not clean it)"

# postinst again (dpkg-reconfigure, an interrupted configure): same users, groups, unit state
cp /etc/passwd "$TMP/passwd1"; cp /etc/group "$TMP/group1"
DPKG_MAINTSCRIPT_PACKAGE=balloonctl DPKG_MAINTSCRIPT_NAME=postinst DPKG_ROOT='' \
    "$info.postinst" configure "$V1" >"$TMP/postinst.log" 2>&1 || { cat "$TMP/postinst.log" >&2; fail "postinst configure again failed"; }
# shellcheck disable=SC2015 # tests alone before ||: it runs when one fails
cmp -s /etc/passwd "$TMP/passwd1" && cmp -s /etc/group "$TMP/group1" || fail "postinst run again changed /etc/passwd or /etc/group"
[ "$(systemctl is-enabled balloonctl.service 2>&1 || true)" = disabled ] || fail "postinst run again enabled the service"
say "installed: files, conffile, user balloonctl, version, status (root and balloonctl), not enabled, postinst idempotent"

# ---- 3. upgrade over itself, with an edited conffile and the unit enabled ---------
V2=$V1+pkgtest1
{
    printf 'balloonctl (%s) unstable; urgency=medium\n\n  * A rebuild to upgrade to (tests/lab/test-package.sh).\n\n -- %s  %s\n\n' \
        "$V2" "$(dpkg-parsechangelog -l "$TMP/src/debian/changelog" -S Maintainer)" "$(date -R)"
    cat "$TMP/src/debian/changelog"
} >"$TMP/changelog" && mv "$TMP/changelog" "$TMP/src/debian/changelog"
t=$(date +%s)
# -nc: the first build's tree, nothing rebuilt (the new version is in the
# package's metadata only)
(cd "$TMP/src" && "${BUILD_ENV[@]}" dpkg-buildpackage -us -uc -b -nc) >"$TMP/build2.log" 2>&1 ||
    { tail -40 "$TMP/build2.log" >&2; fail "dpkg-buildpackage of $V2 failed"; }
DEB2=$TMP/balloonctl_${V2}_$ARCH.deb
[ -f "$DEB2" ] || fail "no $(basename "$DEB2") built"
say "rebuilt as $V2 in $(( $(date +%s) - t )) s"

conf=/etc/balloonctl/balloonctl.conf
sed -i 's/^guard-mib=64$/guard-mib=96/' "$conf"
echo '# a local edit (test-package.sh)' >>"$conf"
grep -q '^guard-mib=96$' "$conf" || fail "could not edit $conf"
cp "$conf" "$TMP/conf-edited"
systemctl enable balloonctl.service >"$TMP/enable.log" 2>&1 || { cat "$TMP/enable.log" >&2; fail "systemctl enable balloonctl failed"; }

apt-get install -y -q --no-install-recommends "$DEB2" </dev/null >"$TMP/install2.log" 2>&1 ||
    { cat "$TMP/install2.log" >&2; fail "apt-get install $(basename "$DEB2") (upgrade) failed"; }
[ "$(dpkg-query -W -f='${db:Status-Abbrev}${Version}' balloonctl | tr -d ' ')" = "ii$V2" ] ||
    fail "not upgraded to $V2: $(dpkg-query -W -f='${db:Status-Abbrev}${Version}' balloonctl)"
cmp -s "$conf" "$TMP/conf-edited" || fail "the upgrade lost the edit of $conf: $(diff "$TMP/conf-edited" "$conf")"
left=$(find /etc/balloonctl -name '*.dpkg-*' -o -name '*.ucf-*')
[ -z "$left" ] || fail "the upgrade left $left"
[ "$(systemctl is-enabled balloonctl.service 2>&1 || true)" = enabled ] || fail "the upgrade lost the administrator's enabling"
[ "$(getent passwd balloonctl | cut -d: -f3)" = "$uid" ] || fail "the upgrade changed balloonctl's uid"
status_ok /usr/sbin/balloonctl -c test:///default status
say "upgraded to $V2: conffile edit and enabling kept"

# An upgrade restarts the service only if it runs: enabled but stopped, it
# stays stopped.  With systemd as PID 1, on the unit itself (and a running
# one restarted by a reinstall, a new main PID); without (a container),
# the maintainer scripts' dh_installsystemd sections of the new postinst,
# run with /run/systemd/system a directory of ours and systemctl,
# deb-systemd-invoke and deb-systemd-helper (the unit enabled) recording
# their calls: nothing started on install; on upgrade try-restart alone,
# which restarts a unit only if it runs (systemctl(1)).
if [ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ] && [ -d /run/systemd/system ]; then
    act=$(systemctl is-active balloonctl.service 2>&1 || true)
    [ "$act" = inactive ] || fail "the upgrade started the enabled but stopped service: is-active $act"
    systemctl start balloonctl.service || fail "systemctl start balloonctl failed"
    pid1=$(systemctl show -p MainPID --value balloonctl.service)
    apt-get install -y -q --reinstall "$DEB2" </dev/null >"$TMP/install3.log" 2>&1 ||
        { cat "$TMP/install3.log" >&2; fail "apt-get install --reinstall $(basename "$DEB2") failed"; }
    act=$(systemctl is-active balloonctl.service 2>&1 || true)
    pid2=$(systemctl show -p MainPID --value balloonctl.service)
    systemctl stop balloonctl.service || true
    # shellcheck disable=SC2015 # tests alone before ||: it runs when one fails
    [ "$act" = active ] && [ "$pid2" != 0 ] && [ "$pid2" != "$pid1" ] ||
        fail "the running service was not restarted by the upgrade: is-active $act, MainPID $pid1 -> $pid2"
    say "upgrade: the enabled, stopped service stayed stopped; the running one was restarted"
else
    mkdir -p "$TMP/shim" "$TMP/run-systemd"
    for tool in systemctl deb-systemd-invoke deb-systemd-helper; do
        printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\nexit 0\n' "$tool" "$TMP" >"$TMP/shim/$tool"
        chmod +x "$TMP/shim/$tool"
    done
    awk '/^# Automatically added by dh_installsystemd/ {on = 1} on {print} /^# End automatically added section/ {on = 0}' \
        "$info.postinst" | sed "s|/run/systemd/system|$TMP/run-systemd|g" >"$TMP/postinst-systemd"
    grep -q 'try-restart' "$TMP/postinst-systemd" || fail "no try-restart in postinst's dh_installsystemd sections"
    invoked() {   # invoked OLD_VERSION: the deb-systemd-invoke calls of postinst configure OLD_VERSION
        : >"$TMP/calls"
        env -u DPKG_ROOT PATH="$TMP/shim:$PATH" DPKG_MAINTSCRIPT_PACKAGE=balloonctl \
            sh -e "$TMP/postinst-systemd" configure "$1" >/dev/null 2>&1 || fail "postinst's systemd sections failed (configure '$1')"
        grep '^deb-systemd-invoke ' "$TMP/calls" || true
    }
    calls=$(invoked "")
    [ -z "$calls" ] || fail "postinst on install runs: $calls"
    calls=$(invoked "$V1")
    [ "$calls" = "deb-systemd-invoke try-restart balloonctl.service" ] || fail "postinst on upgrade runs: '$calls', not try-restart alone"
    rmdir "$TMP/run-systemd"
    calls=$(invoked "$V1")
    [ -z "$calls" ] || fail "postinst on upgrade without systemd runs: $calls"
    say "upgrade: postinst try-restarts the service (restarted only if it runs), starts nothing on install (systemd is not PID 1: the maintainer scripts' logic checked, not a unit)"
fi

# ---- 4. remove, purge ------------------------------------------------------------
apt-get remove -y -q balloonctl </dev/null >"$TMP/remove.log" 2>&1 || { cat "$TMP/remove.log" >&2; fail "apt-get remove failed"; }
[ "$(pkg_status)" = rc ] || fail "after apt-get remove: $(pkg_status), not rc"
cmp -s "$conf" "$TMP/conf-edited" || fail "apt-get remove changed or removed $conf"
while read -r f; do
    [ "$f" = "$conf" ] && continue
    [ ! -e "$f" ] || fail "apt-get remove left $f"
done <"$TMP/files"
# what the unit would have left: a recording in its StateDirectory=
made_statedir=1
install -d -o balloonctl -g balloonctl /var/lib/balloonctl
echo '{}' >/var/lib/balloonctl/rec.jsonl

apt-get purge -y -q balloonctl </dev/null >"$TMP/purge.log" 2>&1 || { cat "$TMP/purge.log" >&2; fail "apt-get purge failed"; }
case "$(pkg_status)" in ''|un|pn) ;; *) fail "after apt-get purge: $(pkg_status)" ;; esac
while read -r p; do
    grep -qxF "$p" "$TMP/there-before" && continue
    # shellcheck disable=SC2015 # tests alone before ||: it runs when one fails
    [ ! -e "$p" ] && [ ! -L "$p" ] || fail "apt-get purge left $p"
done <"$TMP/paths"
snapshot >"$TMP/after"
diff -u "$TMP/before" "$TMP/after" >&2 || fail "after purge, names *balloonctl* differ from before the install (diff above)"
getent passwd balloonctl >/dev/null || fail "purge removed the user balloonctl (Debian leaves system users)"
say "removed (conffile kept), purged (nothing left but the user)"

say "build $BUILD_S s, whole test $(( $(date +%s) - T0 )) s"
echo "package: PASS"
