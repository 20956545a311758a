"""Canvas tests: scene, view, interactions and actions with real Qt objects."""
