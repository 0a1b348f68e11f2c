package dev.splitflow.pt;

import static dev.splitflow.pt.PtValueAssert.assertSameValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceDecodersTest {
  @TempDir Path dir;

  @Test
  void eachFileIsOpenedOnceForAllItsRecordsAndTheirTensorsReadFromIt() throws Exception {
    List<Path> files = List.of(dir.resolve("batch_1.pt"), dir.resolve("batch_2.pt"));
    // The records as read from each file (their tensors view its storages), kept open to compare.
    List<List<PtValue>> records = new ArrayList<>();
    List<List<byte[]>> encoded = new ArrayList<>();
    List<FileChannel> expectedFrom = new ArrayList<>();
    for (int f = 0; f < files.size(); f++) {
      List<PtValue> rs = new ArrayList<>();
      for (int n = 0; n < 4; n++) {
        rs.add(TestRecords.kitchenSink(10 * f + n));
      }
      TestRecords.write(rs, files.get(f));
      expectedFrom.add(FileChannel.open(files.get(f)));
      records.add(new ArrayList<>());
      encoded.add(encode(expectedFrom.get(f), files.get(f), records.get(f)));
    }
    List<SeekableByteChannel> opened = new ArrayList<>();
    try (SourceDecoders<Path> decoders =
        new SourceDecoders<>(
            p -> {
              SeekableByteChannel ch = FileChannel.open(p);
              opened.add(ch);
              return ch;
            },
            Path::toString)) {
      // Interleaved, as a chunk's records are: the files stay open between them.
      for (int n = 0; n < 4; n++) {
        for (int f = 0; f < files.size(); f++) {
          PtValue back = decoders.of(files.get(f)).decode(encoded.get(f).get(n));
          assertSameValue(records.get(f).get(n), back, files.get(f) + " record " + n);
        }
      }
      assertEquals(2, opened.size(), "one open per file");
      assertTrue(opened.stream().allMatch(SeekableByteChannel::isOpen));
    }
    assertTrue(opened.stream().noneMatch(SeekableByteChannel::isOpen), "all closed");
    for (FileChannel ch : expectedFrom) {
      ch.close();
    }
  }

  @Test
  void closeClosesEveryFileWhenOneFailsAndThrowsThatFailure() throws Exception {
    List<Path> files = List.of(dir.resolve("a.pt"), dir.resolve("b.pt"), dir.resolve("c.pt"));
    List<SeekableByteChannel> opened = new ArrayList<>();
    for (Path p : files) {
      TestRecords.write(List.of(TestRecords.kitchenSink(1)), p);
    }
    SourceDecoders<Path> decoders =
        new SourceDecoders<>(
            p -> {
              SeekableByteChannel ch = FileChannel.open(p);
              opened.add(ch);
              // Two of three fail: whatever the order, a close that stopped at the first failure
              // would leave a file open.
              return p.endsWith("c.pt") ? ch : new FailingClose(ch);
            },
            Path::toString);
    for (Path p : files) {
      decoders.of(p);
    }
    IOException e = assertThrows(IOException.class, decoders::close);
    assertEquals("cannot close", e.getMessage());
    assertEquals(1, e.getSuppressed().length, "the second failure rides along");
    for (SeekableByteChannel ch : opened) {
      assertFalse(ch.isOpen(), "a file left open after another's close failed");
    }
  }

  /**
   * Each record of {@code file} encoded as the split encodes it; the records go to {@code read}.
   */
  private static List<byte[]> encode(FileChannel ch, Path file, List<PtValue> read)
      throws IOException {
    List<byte[]> out = new ArrayList<>();
    RecordCodec.Writer writer = new RecordCodec.Writer();
    PtFile.forEachRecord(
        ch,
        file.toString(),
        (i, record) -> {
          ByteArrayOutputStream bytes = new ByteArrayOutputStream();
          writer.encode(record, bytes);
          out.add(bytes.toByteArray());
          read.add(record);
        });
    return out;
  }

  /** Closes the channel it wraps, then reports a failure, as a network channel's close can. */
  private static final class FailingClose implements SeekableByteChannel {
    private final SeekableByteChannel in;

    FailingClose(SeekableByteChannel in) {
      this.in = in;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return in.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      return in.write(src);
    }

    @Override
    public long position() throws IOException {
      return in.position();
    }

    @Override
    public SeekableByteChannel position(long p) throws IOException {
      in.position(p);
      return this;
    }

    @Override
    public long size() throws IOException {
      return in.size();
    }

    @Override
    public SeekableByteChannel truncate(long size) throws IOException {
      in.truncate(size);
      return this;
    }

    @Override
    public boolean isOpen() {
      return in.isOpen();
    }

    @Override
    public void close() throws IOException {
      in.close();
      throw new IOException("cannot close");
    }
  }
}
