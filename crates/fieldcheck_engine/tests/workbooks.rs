//! The workbooks fieldcheck writes name no moment of their own: their document properties say
//! 1980-01-01, so the same input gives the same bytes, whenever it is written.

use std::io::Read;

fn core_xml(path: &std::path::Path) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut part = zip.by_name("docProps/core.xml").unwrap();
    let mut xml = String::new();
    part.read_to_string(&mut xml).unwrap();
    xml
}

#[test]
fn a_workbook_carries_a_fixed_creation_time_and_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.xlsx"), dir.path().join("b.xlsx"));
    fieldcheck_engine::record::write_xlsx(&a, &[]).unwrap();
    let xml = core_xml(&a);
    assert!(
        xml.contains(
            "<dcterms:created xsi:type=\"dcterms:W3CDTF\">1980-01-01T00:00:00Z</dcterms:created>"
        ),
        "{xml}"
    );
    assert!(
        xml.contains(">1980-01-01T00:00:00Z</dcterms:modified>"),
        "{xml}"
    );
    fieldcheck_engine::record::write_xlsx(&b, &[]).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}
