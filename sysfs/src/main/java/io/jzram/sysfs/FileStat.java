// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

/**
 * What stat(2)/lstat(2) tell about a path of the machine: type, permission bits, size (PAGE_SIZE for
 * sysfs attributes, as the kernel reports them), the device number of device nodes, and the target
 * of a symlink (lstat only).
 */
public record FileStat(String path, Type type, int mode, long size, int major, int minor, String linkTarget) {

    /** S_IFMT. */
    public enum Type {
        DIRECTORY('d'), REGULAR('-'), SYMLINK('l'), BLOCK_DEVICE('b'), CHAR_DEVICE('c');

        private final char letter;

        Type(char letter) {
            this.letter = letter;
        }

        /** The first letter of {@code ls -l}. */
        public char letter() {
            return letter;
        }
    }

    /** {@code ls -l}'s mode column, e.g. {@code -rw-r--r--}. */
    public String modeString() {
        StringBuilder sb = new StringBuilder().append(type.letter());
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        }
        return sb.toString();
    }
}
