package dev.splitflow.functions.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class LayoutTest {
  private final Layout layout =
      new Layout(
          "p",
          "europe-west4",
          "my-data",
          "datasets/",
          Layout.DEFAULT_MARKER,
          Layout.DEFAULT_OUTPUT_FOLDER,
          Layout.DEFAULT_STATE_PREFIX);
  private final Layout wholeBucket =
      new Layout(
          "p",
          "europe-west4",
          "my-data",
          "",
          Layout.DEFAULT_MARKER,
          Layout.DEFAULT_OUTPUT_FOLDER,
          Layout.DEFAULT_STATE_PREFIX);

  @Test
  void constants() {
    assertEquals("_BATCHES_COMPLETE", Layout.DEFAULT_MARKER);
    assertEquals("_SPLIT_MANIFEST.json", Layout.MANIFEST);
    assertEquals("split/", Layout.DEFAULT_OUTPUT_FOLDER);
    assertEquals("_splitflow/runs/", Layout.DEFAULT_STATE_PREFIX);
  }

  @Test
  void markerFolderOfNestedFolders() {
    assertEquals(
        Optional.of("datasets/cxr/"), layout.markerFolder("datasets/cxr/_BATCHES_COMPLETE"));
    assertEquals(
        Optional.of("datasets/a/b/c/"), layout.markerFolder("datasets/a/b/c/_BATCHES_COMPLETE"));
    assertEquals(Optional.of("a//"), layout.markerFolder("a//_BATCHES_COMPLETE"));
  }

  @Test
  void rootLevelMarker() {
    assertEquals(Optional.of(""), layout.markerFolder("_BATCHES_COMPLETE"));
    assertTrue(wholeBucket.watched(""));
    assertFalse(layout.watched(""), "the bucket root is outside datasets/");
  }

  @Test
  void namesThatMerelyEndWithTheMarkerAreNotMarkers() {
    assertEquals(Optional.empty(), layout.markerFolder("x_BATCHES_COMPLETE"));
    assertEquals(Optional.empty(), layout.markerFolder("datasets/cxr/x_BATCHES_COMPLETE"));
    assertEquals(Optional.empty(), layout.markerFolder("datasets/cxr/_BATCHES_COMPLETE.json"));
    assertEquals(Optional.empty(), layout.markerFolder("datasets/cxr/_BATCHES_COMPLETE/"));
    assertEquals(Optional.empty(), layout.markerFolder("datasets/cxr/_batches_complete"));
    assertEquals(Optional.empty(), layout.markerFolder("datasets/cxr/batch_0.pt"));
    assertEquals(Optional.empty(), layout.markerFolder(""));
  }

  @Test
  void markerInsideTheOutputFolderIsStillAMarker() {
    // The function sees it as a marker of folder ".../split/"; what it then does is its business.
    assertEquals(
        Optional.of("datasets/cxr/split/"),
        layout.markerFolder("datasets/cxr/split/_BATCHES_COMPLETE"));
  }

  @Test
  void customMarkerName() {
    Layout l = new Layout("p", "r", "b", "", "READY", "out/", "_state/");
    assertEquals(Optional.of("x/"), l.markerFolder("x/READY"));
    assertEquals(Optional.of(""), l.markerFolder("READY"));
    assertEquals(Optional.empty(), l.markerFolder("x/NOT_READY"));
    assertEquals(Optional.empty(), l.markerFolder("x/_BATCHES_COMPLETE"));
  }

  @Test
  void manifestFolderOfNestedFolders() {
    assertEquals(
        Optional.of("datasets/cxr/"),
        layout.manifestFolder("datasets/cxr/split/_SPLIT_MANIFEST.json"));
    assertEquals(
        Optional.of("datasets/a/b/"),
        layout.manifestFolder("datasets/a/b/split/_SPLIT_MANIFEST.json"));
  }

  @Test
  void rootLevelManifest() {
    assertEquals(Optional.of(""), layout.manifestFolder("split/_SPLIT_MANIFEST.json"));
  }

  @Test
  void manifestsOutsideTheOutputFolderAreNotOurs() {
    assertEquals(Optional.empty(), layout.manifestFolder("datasets/cxr/_SPLIT_MANIFEST.json"));
    assertEquals(Optional.empty(), layout.manifestFolder("_SPLIT_MANIFEST.json"));
    assertEquals(
        Optional.empty(), layout.manifestFolder("datasets/cxr/xsplit/_SPLIT_MANIFEST.json"));
    assertEquals(
        Optional.empty(), layout.manifestFolder("datasets/cxr/split/x_SPLIT_MANIFEST.json"));
    assertEquals(
        Optional.empty(), layout.manifestFolder("datasets/cxr/split/_SPLIT_MANIFEST.json.tmp"));
    assertEquals(
        Optional.empty(), layout.manifestFolder("datasets/cxr/split/sub/_SPLIT_MANIFEST.json"));
    assertEquals(Optional.empty(), layout.manifestFolder("datasets/cxr/split/train_000.pt"));
  }

  @Test
  void nestedOutputFolder() {
    Layout l = new Layout("p", "r", "b", "", "_M", "out/v1/", "_state/");
    assertEquals(Optional.of("d/"), l.manifestFolder("d/out/v1/_SPLIT_MANIFEST.json"));
    assertEquals(Optional.of(""), l.manifestFolder("out/v1/_SPLIT_MANIFEST.json"));
    assertEquals(Optional.empty(), l.manifestFolder("d/v1/_SPLIT_MANIFEST.json"));
    assertEquals(Optional.empty(), l.manifestFolder("d/xout/v1/_SPLIT_MANIFEST.json"));
    assertEquals("d/out/v1/", l.outputPrefix("d/"));
  }

  @Test
  void markerAndManifestAgree() {
    String folder = layout.markerFolder("datasets/cxr/_BATCHES_COMPLETE").orElseThrow();
    String manifest = layout.outputPrefix(folder) + Layout.MANIFEST;
    assertEquals(Optional.of(folder), layout.manifestFolder(manifest));
  }

  @Test
  void watchedWithDatasetsPrefix() {
    assertTrue(layout.watched("datasets/"));
    assertTrue(layout.watched("datasets/cxr/"));
    assertTrue(layout.watched("datasets/a/b/"));
    assertFalse(layout.watched("datasets2/cxr/"));
    assertFalse(layout.watched("other/datasets/cxr/"));
    assertFalse(layout.watched("cxr/"));
  }

  @Test
  void watchedExcludesTheStatePrefix() {
    assertTrue(wholeBucket.watched("cxr/"));
    assertFalse(wholeBucket.watched("_splitflow/runs/"));
    assertFalse(wholeBucket.watched("_splitflow/runs/x/"));
    assertTrue(wholeBucket.watched("_splitflow/"), "only the state prefix itself is excluded");
  }

  @Test
  void outputPrefixAndUri() {
    assertEquals("datasets/cxr/split/", layout.outputPrefix("datasets/cxr/"));
    assertEquals("split/", layout.outputPrefix(""));
    assertEquals("gs://my-data/datasets/cxr/", layout.uri("datasets/cxr/"));
    assertEquals("gs://my-data/", layout.uri(""));
  }
}
