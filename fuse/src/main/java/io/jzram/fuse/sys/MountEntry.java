// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse.sys;

import java.nio.file.Path;
import java.util.List;

/**
 * One line of /proc/PID/mountinfo (Documentation/filesystems/proc.rst, 3.5).
 *
 * @param id          the mount ID
 * @param parentId    the parent mount's ID
 * @param device      "major:minor" of st_dev
 * @param root        the root of the mount within its file system
 * @param mountPoint  where it is mounted, octal escapes decoded
 * @param options     per-mount options ("rw,nosuid,...")
 * @param tags        optional fields ("shared:1", "master:2", ...)
 * @param fsType      "fuse.jzram", "tmpfs", ...
 * @param source      the mount source
 */
public record MountEntry(int id, int parentId, String device, String root, Path mountPoint, String options,
        List<String> tags, String fsType, String source) {

    /** Parses one mountinfo line. */
    public static MountEntry parse(String line) {
        String[] f = line.split(" ");
        int sep = List.of(f).indexOf("-");
        if (f.length < 10 || sep < 6) {
            throw new IllegalArgumentException("not a mountinfo line: " + line);
        }
        return new MountEntry(Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2], unescape(f[3]),
                Path.of(unescape(f[4])), f[5], List.of(f).subList(6, sep), f[sep + 1], unescape(f[sep + 2]));
    }

    /** Whether the mount propagates to or from other namespaces' mounts (a "shared:" or "master:" tag). */
    public boolean propagates() {
        return tags.stream().anyMatch(t -> t.startsWith("shared:") || t.startsWith("master:"));
    }

    /** The kernel escapes space, tab, newline and backslash in mountinfo as \ooo. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 4 <= s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
