// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Buffered, blocking reads of exact lengths from a channel, for the reader thread of one
 * connection: small headers come out of one 64 KiB buffer (few system calls for pipelined
 * requests), large payloads are read straight into their destination. Not thread-safe.
 */
final class ChannelInput {
    private final ReadableByteChannel channel;
    private final ByteBuffer buffer;

    ChannelInput(ReadableByteChannel channel, int bufferSize) {
        this.channel = channel;
        this.buffer = ByteBuffer.allocateDirect(bufferSize);
        buffer.flip(); // empty, ready for get
    }

    /** How many bytes are buffered and not yet consumed. */
    int buffered() {
        return buffer.remaining();
    }

    /** Reads exactly n bytes (n <= buffer size) and returns them in the internal buffer's view. */
    ByteBuffer read(int n) throws IOException {
        if (n > buffer.capacity()) {
            throw new IllegalArgumentException("read of " + n + " bytes");
        }
        fill(n);
        ByteBuffer view = buffer.slice();
        view.limit(n);
        buffer.position(buffer.position() + n);
        return view;
    }

    int readInt() throws IOException {
        fill(4);
        return buffer.getInt();
    }

    long readLong() throws IOException {
        fill(8);
        return buffer.getLong();
    }

    /**
     * Fills dst completely. A heap destination is filled through the internal direct buffer: the
     * JDK would otherwise read into a hidden temporary direct buffer as large as dst and keep it
     * cached per thread (up to 32 MiB per connection).
     */
    void readFully(ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            if (!buffer.hasRemaining()) {
                if (dst.isDirect()) {
                    if (channel.read(dst) < 0) {
                        throw new EOFException("client closed the connection in the middle of a message");
                    }
                    continue;
                }
                fill(1);
            }
            int n = Math.min(buffer.remaining(), dst.remaining());
            ByteBuffer src = buffer.slice();
            src.limit(n);
            dst.put(src);
            buffer.position(buffer.position() + n);
        }
    }

    /** Reads and drops n bytes. */
    void skip(long n) throws IOException {
        while (n > 0) {
            if (!buffer.hasRemaining()) {
                fill(1);
            }
            int k = (int) Math.min(n, buffer.remaining());
            buffer.position(buffer.position() + k);
            n -= k;
        }
    }

    /** Makes at least n bytes available in the buffer; EOFException when the channel ends first. */
    private void fill(int n) throws IOException {
        if (buffer.remaining() >= n) {
            return;
        }
        int had = buffer.remaining();
        buffer.compact();
        try {
            while (buffer.position() < n) {
                int r = channel.read(buffer);
                if (r < 0) {
                    if (buffer.position() == 0 && had == 0) {
                        throw new EndOfStream();
                    }
                    throw new EOFException("client closed the connection in the middle of a message");
                }
            }
        } finally {
            buffer.flip();
        }
    }

    /** The stream ended at a message boundary (nothing of a next message had arrived). */
    static final class EndOfStream extends EOFException {
        private static final long serialVersionUID = 1L;

        EndOfStream() {
            super("end of stream");
        }
    }
}
