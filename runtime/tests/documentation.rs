//! What the documentation promises about itself: docs.rs documents every
//! feature, every attribute macro shows a compiled example, and the Flask
//! migration guide covers every option and loader.

use std::path::Path;

fn read(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn docs_rs_documents_every_feature_with_its_badge() {
    let manifest = read("runtime/Cargo.toml");
    let metadata = manifest
        .split("[package.metadata.docs.rs]")
        .nth(1)
        .expect("a [package.metadata.docs.rs] table");
    assert!(metadata.contains("all-features = true"));
    assert!(metadata.contains(r#"rustdoc-args = ["--cfg", "docsrs"]"#));
    assert!(read("runtime/src/lib.rs").contains("#![cfg_attr(docsrs, feature(doc_cfg))]"));
    for (file, feature) in [
        ("runtime/src/revocation/redis/mod.rs", "redis"),
        ("runtime/src/lib.rs", "testing"),
    ] {
        let badge = format!("#[cfg_attr(docsrs, doc(cfg(feature = \"{feature}\")))]");
        assert!(read(file).contains(&badge), "{file}: {badge}");
    }
}

#[test]
fn every_attribute_macro_has_a_compiled_example() {
    let source = read("macros/src/lib.rs");
    let mut macros = 0;
    for item in source.split("#[proc_macro_attribute]").skip(1) {
        macros += 1;
        let name = item
            .split("pub fn ")
            .nth(1)
            .and_then(|rest| rest.split('(').next())
            .unwrap();
        // The doc comment is what precedes the attribute.
        let before = &source[..source.find(&format!("pub fn {name}(")).unwrap()];
        let doc: Vec<&str> = before
            .lines()
            .rev()
            .skip(1)
            .take_while(|line| line.starts_with("///"))
            .collect();
        assert!(
            doc.iter().any(|line| line.trim() == "/// ```"),
            "#[{name}] has no compiled example (a plain ``` block)"
        );
    }
    assert_eq!(macros, 5);
}

#[test]
fn the_migration_guide_covers_every_option_and_loader() {
    let guide = read("docs/migrating-from-flask.md");
    let options = read("runtime/src/config/options.rs");
    let names: Vec<&str> = options
        .split("[\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|name| name.starts_with("JWT_"))
        .collect();
    assert!(names.len() > 45, "the option table was read");
    for name in names {
        assert!(
            guide.contains(&format!("`{name}`")),
            "{name} is not in the guide"
        );
    }
    let builder = read("runtime/src/builder.rs");
    let loaders: Vec<&str> = builder
        .split("pub fn ")
        .skip(1)
        .filter_map(|rest| rest.split(['<', '(']).next())
        .filter(|name| name.ends_with("_loader"))
        .collect();
    assert!(loaders.len() > 12, "the builder was read");
    for loader in loaders {
        assert!(
            guide.contains(&format!("`{loader}")),
            "{loader} is not in the guide"
        );
    }
}
